"""The yearly results report, in the department's own style: figures for one
calendar year and the sentences that tell them.

annual_report() gathers the figures (selectors below, each one grouped query,
plus the indicators engine for the targets); the sentences are written by
plain functions from those figures, so they are tested without a database.
The year runs 1 January–31 December, or to today for the current year.

Queries, whatever the data: 1 for report_refusal() (the programmes' start),
then annual_report()'s: 5 outputs, 1 event participants, 1 newly aware by
sector, 1 surveys by area, 1 support by kind, 1 demonstration models, 1
replications, 2 savings, 1 evidence of the savings, 1 phase — 15 — and with a
phase 1 for its targets and up to 3 for their values (facility counts, unit
counts, saving quartiles).
"""

import dataclasses
import datetime
import itertools
import textwrap
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, Count, Min, Q, Sum, Value, When
from django.utils import formats, numberformat, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from tablib import Databook, Dataset

from cpdash.database import in_vietnamese_order
from cpdash.exports import escape_row
from facilities.models import ProductionArea, Sector, counted_q
from programmes.models import (
    DemonstrationModel,
    FacilityPathway,
    OutreachActivity,
    Phase,
    Programme,
    Replication,
    Resource,
    Survey,
    TechnicalSupport,
)
from targets import arithmetic, charts, dashboard, funnel, selectors
from targets.evidence import city_saving_evidence
from targets.figures import BreakdownRow, SavingEvidence, SavingStats, TargetResult
from targets.funnel import Funnel
from targets.models import Indicator
from targets.queries import listed_people, name_of

#: Sectors named in the awareness sentence, the most newly aware first.
TOP_SECTORS = 4
#: Industrial zones and clusters named in the survey sentence; the others are counted.
NAMED_AREAS = 3
#: Demonstration models described one sentence each; more are counted.
NAMED_MODELS = 3
#: The events whose participants the report gives, in the order it gives them.
EVENT_KINDS = (OutreachActivity.Kind.SYMPOSIUM, OutreachActivity.Kind.WORKSHOP, OutreachActivity.Kind.TRAINING)
#: Each event kind's count in outputs_for_period().
_OUTPUT_KEYS = {
    OutreachActivity.Kind.SYMPOSIUM: "symposia",
    OutreachActivity.Kind.WORKSHOP: "workshops",
    OutreachActivity.Kind.TRAINING: "trainings",
}


# --- Plain data -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class EventRow:
    """Symposia, workshops or trainings held in the year: how many, and the people at them:
    ``participants`` as reported by the activities, ``listed`` on their attendance lists
    of facilities (selectors.outputs_for_period())."""

    kind: str
    label: str
    count: int
    participants: int
    listed: int = 0


@dataclasses.dataclass(frozen=True)
class AreaRow:
    """CP surveys in the year at facilities of one production area (``key`` None: of none).

    ``surveys``: surveys held; ``facilities``: distinct facilities surveyed.
    """

    key: int | None
    label: str
    kind: str
    surveys: int
    facilities: int


@dataclasses.dataclass(frozen=True)
class SupportRow:
    """Technical support of one kind given in the year: supports, and distinct facilities."""

    kind: str
    label: str
    supports: int
    facilities: int


@dataclasses.dataclass(frozen=True)
class ModelRow:
    """A demonstration model started in the year, where it stands."""

    name: str
    technology: str
    host: str
    area: str
    unit: str
    started_on: datetime.date
    results: str


@dataclasses.dataclass(frozen=True)
class ReplicationRow:
    """A demonstration model copied at a facility in the year."""

    model: str
    facility: str
    area: str
    unit: str
    replicated_on: datetime.date


@dataclasses.dataclass(frozen=True)
class AnnualReport:
    """Everything the report for one year shows: plain data, sentences and figure JSON.

    ``start``–``end``: the period (both inclusive); ``complete``: the whole
    year is over. ``outputs``: selectors.outputs_for_period(). ``newly_aware``:
    one row per sector over in-scope facilities open on ``end``, numerator
    those first reached in the period (percent 0–100); ``newly_aware_total``
    their roll-up. ``application``: the phase's city-wide application target
    as of ``end`` (None without one); ``savings``: per resource, facility
    savings as of ``end``. ``targets``: every target of ``phase`` as of
    ``end``. ``figures``: figure JSON by name ("newly_aware", "surveys",
    "targets"), None where there is nothing to draw.
    """

    year: int
    start: datetime.date
    end: datetime.date
    complete: bool
    programme: str
    phase: str
    phase_id: int | None
    outputs: dict[str, int]
    events: list[EventRow]
    newly_aware: list[BreakdownRow]
    newly_aware_total: BreakdownRow
    surveys_by_area: list[AreaRow]
    support: list[SupportRow]
    models: list[ModelRow]
    replications: list[ReplicationRow]
    application: TargetResult | None
    savings: list[SavingStats]
    targets: list[TargetResult]
    narrative: list[str]
    target_sentences: list[str]
    figures: dict[str, dict | None]
    #: The CP pathway funnel at the end of the period against the end of the year before, and
    #: the sentences that tell where facilities are lost. (None and [] in the editions
    #: published before the funnel existed.)
    funnel: Funnel | None = None
    funnel_sentences: list[str] = dataclasses.field(default_factory=list)

    @property
    def savings_rows(self) -> list[tuple[str, SavingStats]]:
        """(resource as the report names it, its savings), for tables."""
        return [(_resource_name(stat.resource), stat) for stat in self.savings]

    @property
    def period_text(self) -> str:
        """ "1 January 2012 – 31 December 2012" in the active language."""
        return f"{date_text(self.start)} – {date_text(self.end)}"

    @property
    def end_text(self) -> str:
        return date_text(self.end)

    @property
    def sentences(self) -> list[str]:
        """The report's text: the narrative, the pathway, then one sentence per target."""
        return [*self.narrative, *self.funnel_sentences, *self.target_sentences]


# --- The year -------------------------------------------------------------------------------------


def report_period(year: int, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """1 January to 31 December of ``year``, or to ``today`` in the current year."""
    return datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), today)


def refusal(*, year: int, today: datetime.date, first_start: datetime.date | None) -> str | None:
    """Why there is no report for ``year`` (for the user), or None when there is one.

    ``first_start``: the day the earliest programme starts (None: no programme).
    """
    if year > today.year:
        return _("There is no results report for %(year)s: that year has not begun.") % {"year": year}
    if first_start is None:
        return _("There is no results report yet: no programme has been set up.")
    if year < first_start.year:
        return _("There is no results report for %(year)s: the programme began in %(first)s.") % {
            "year": year,
            "first": first_start.year,
        }
    return None


def report_refusal(*, year: int, today: datetime.date | None = None) -> str | None:
    """refusal() for ``year`` against the programmes in the database. 1 query."""
    first_start = Programme.objects.aggregate(first=Min("starts_on"))["first"]
    return refusal(year=year, today=today or timezone.localdate(), first_start=first_start)


# --- Selectors ------------------------------------------------------------------------------------


def event_participants(*, start: datetime.date, end: datetime.date) -> dict[str, tuple[int, int]]:
    """People at the symposia, workshops and trainings held in [start, end], by kind: (reported
    by the activities, on their attendance lists of facilities). 1 query."""
    held = OutreachActivity.objects.filter(held_on__range=(start, end))
    sums = held.aggregate(
        **{kind.value: Sum("participants", filter=Q(kind=kind), default=0) for kind in EVENT_KINDS},
        **{f"{kind.value}_listed": Sum(listed_people(), filter=Q(kind=kind), default=0) for kind in EVENT_KINDS},
    )
    return {kind.value: (sums[kind.value], sums[f"{kind.value}_listed"]) for kind in EVENT_KINDS}


def newly_aware_by_sector(*, start: datetime.date, end: datetime.date) -> list[BreakdownRow]:
    """Per sector, in-scope facilities open on ``end`` (denominator) and those of them whose
    first awareness contact fell in [start, end] (numerator); percent value. 1 query.

    Read from the pathway alone: a facility counted on ``end`` has exactly one pathway row
    counted then (counted_q() on the pathway: facilities.models.counted_q), which carries its
    sector and its first contact; joining the wide register to its pathway rows read both
    tables whole (docs/performance-history.md, "Three reads made cheaper").

    Sectors without an open in-scope facility are left out; the highest share first.
    """
    rows = (
        FacilityPathway.objects.filter(counted_q(end))
        .values("sector_id")
        .annotate(facilities=Count("pk"), newly_aware=Count("pk", filter=Q(aware_on__range=(start, end))))
        # After the grouping: looked up once per sector, not per row.
        .annotate(name=name_of(Sector, "sector_id"))
        .order_by()
    )
    found = [
        BreakdownRow(
            key=row["name"],
            label=row["name"],
            numerator=row["newly_aware"],
            denominator=row["facilities"],
            value=arithmetic.round1(arithmetic.percent(row["newly_aware"], row["facilities"])),
        )
        for row in rows
    ]
    # Sorted here, not in SQL, so that ties come out alike on every database.
    return sorted(found, key=lambda row: (-(row.value or 0), row.label))


def surveys_by_area(*, start: datetime.date, end: datetime.date) -> list[AreaRow]:
    """CP surveys held in [start, end] by the surveyed facility's production area. 1 query.

    Most surveys first; facilities outside any area form one row (key None).
    """
    rows = (
        Survey.objects.filter(surveyed_on__range=(start, end))
        .values("facility__area_id", "facility__area__name", "facility__area__kind")
        .annotate(surveys=Count("pk"), facilities=Count("facility", distinct=True))
        .order_by()
    )
    found = [
        AreaRow(
            key=row["facility__area_id"],
            label=row["facility__area__name"] or _("not in a production area"),
            kind=row["facility__area__kind"] or "",
            surveys=row["surveys"],
            facilities=row["facilities"],
        )
        for row in rows
    ]
    return sorted(found, key=lambda row: (row.key is None, -row.surveys, row.label))


def support_by_kind(*, start: datetime.date, end: datetime.date) -> list[SupportRow]:
    """Technical support given in [start, end], one row per kind (technique, technology,
    process control; zero when none): supports and distinct facilities. 1 query."""
    rows = {
        row["kind"]: row
        for row in TechnicalSupport.objects.alias(day=selectors.support_day())
        .filter(day__range=(start, end))
        .values("kind")
        .annotate(supports=Count("pk"), facilities=Count("survey__facility", distinct=True))
        .order_by()
    }
    return [
        SupportRow(
            kind=kind.value,
            label=str(kind.label),
            supports=rows.get(kind.value, {}).get("supports", 0),
            facilities=rows.get(kind.value, {}).get("facilities", 0),
        )
        for kind in TechnicalSupport.Kind
    ]


def models_started(*, start: datetime.date, end: datetime.date) -> list[ModelRow]:
    """Demonstration models started in [start, end], with host, area and unit. 1 query."""
    models = (
        DemonstrationModel.objects.filter(started_on__range=(start, end))
        .select_related("host__area", "host__unit")
        .order_by("started_on", in_vietnamese_order("name"), "pk")
    )
    return [
        ModelRow(
            name=model.name,
            technology=model.technology,
            host=model.host.name,
            area=model.host.area.name if model.host.area else "",
            unit=model.host.unit.name,
            started_on=model.started_on,
            results=model.results,
        )
        for model in models
    ]


def replications_in(*, start: datetime.date, end: datetime.date) -> list[ReplicationRow]:
    """Replications of demonstration models in [start, end], with facility, area and unit. 1 query."""
    replications = (
        Replication.objects.filter(replicated_on__range=(start, end))
        .select_related("model", "facility__area", "facility__unit")
        .order_by("replicated_on", "pk")
    )
    return [
        ReplicationRow(
            model=replication.model.name,
            facility=replication.facility.name,
            area=replication.facility.area.name if replication.facility.area else "",
            unit=replication.facility.unit.name,
            replicated_on=replication.replicated_on,
        )
        for replication in replications
    ]


def phase_at(day: datetime.date) -> Phase | None:
    """The phase running on ``day``, else the latest started by then; None when none has. 1 query."""
    running = Case(When(starts_on__lte=day, ends_on__gte=day, then=Value(0)), default=Value(1))
    return (
        Phase.objects.filter(starts_on__lte=day)
        .select_related("programme")
        .order_by(running, "-starts_on", "pk")
        .first()
    )


def city_result(results: Sequence[TargetResult], indicator: str) -> TargetResult | None:
    """The result of the phase's city-wide (unscoped) target on ``indicator``, if it has one."""
    return next((r for r in results if r.indicator == indicator and not r.scope), None)


def annual_report(*, year: int, today: datetime.date | None = None) -> AnnualReport:
    """The results report for ``year`` (check report_refusal() first). Queries: see the module."""
    start, end = report_period(year, today or timezone.localdate())
    outputs = selectors.outputs_for_period(start=start, end=end)
    participants = event_participants(start=start, end=end)
    events = [
        EventRow(
            kind.value,
            str(dashboard.OUTPUT_LABELS[_OUTPUT_KEYS[kind]]),
            outputs[_OUTPUT_KEYS[kind]],
            *participants[kind.value],
        )
        for kind in EVENT_KINDS
    ]
    sectors = newly_aware_by_sector(start=start, end=end)
    numerator, denominator, share = arithmetic.share_sum([(r.numerator, r.denominator) for r in sectors])
    total = BreakdownRow(None, _("All sectors"), numerator, denominator, arithmetic.round1(share))
    areas = surveys_by_area(start=start, end=end)
    support = support_by_kind(start=start, end=end)
    models = models_started(start=start, end=end)
    replications = replications_in(start=start, end=end)
    savings = selectors.savings_by_resource(as_of=end)
    evidence = city_saving_evidence(as_of=end)
    phase = phase_at(end)
    targets = list(selectors.programme_targets(phase.programme).filter(phase=phase)) if phase else []
    results = selectors.targets_as_of(targets=targets, as_of=end) if targets else []
    application = city_result(results, Indicator.APPLICATION)
    pathway = funnel.pathway_funnel(
        as_of=end, compare=datetime.date(year - 1, 12, 31), saving_min=funnel.saving_min_of(targets)
    )

    narrative = [
        outputs_sentence(year, outputs, events),
        awareness_sentence(year, sectors, total, city_result(results, Indicator.AWARENESS)),
        surveys_sentence(year, areas),
        support_sentence(year, support, outputs["facilities_supported"]),
        *models_sentences(year, models, len(replications)),
        application_sentence(end, application, savings),
        verified_savings_sentence(end, evidence),
    ]
    if phase is None:
        target_lines = [
            _("No programme phase had begun by the end of %(year)s: there are no targets.") % {"year": year}
        ]
    else:
        target_lines = [target_sentence(result) for result in results]
    language = translation.get_language() or "en"
    figures = report_figures(sectors, total, areas, results, language=language)
    figures["funnel"] = funnel_report_figure(pathway, language=language)
    return AnnualReport(
        year=year,
        start=start,
        end=end,
        complete=end == datetime.date(year, 12, 31),
        programme=phase.programme.name if phase else "",
        phase=phase.name if phase else "",
        phase_id=phase.pk if phase else None,
        outputs=outputs,
        events=events,
        newly_aware=sectors,
        newly_aware_total=total,
        surveys_by_area=areas,
        support=support,
        models=models,
        replications=replications,
        application=application,
        savings=savings,
        targets=results,
        narrative=[sentence for sentence in narrative if sentence],
        target_sentences=target_lines,
        figures=figures,
        funnel=pathway,
        funnel_sentences=funnel_sentences(pathway),
    )


# --- Formatting -----------------------------------------------------------------------------------


def number(value: int | float | Decimal, decimal_pos: int | None = None) -> str:
    """``value`` in the active language, thousands grouped: "5,000" (English), "5.000" (Vietnamese).

    Django's Vietnamese formats set no NUMBER_GROUPING, yet Vietnamese groups
    thousands with a dot: groups of 3 are used then.
    """
    if formats.get_format("NUMBER_GROUPING"):
        return formats.number_format(value, decimal_pos, force_grouping=True)
    return numberformat.format(
        value,
        formats.get_format("DECIMAL_SEPARATOR"),
        decimal_pos,
        grouping=3,
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def whole(value: float) -> int:
    """Rounded half up to a whole number (6.5 → 7), free of binary noise."""
    return int(Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def value_text(value: float) -> str:
    """A percent (or other value) to one decimal place, without a trailing ",0"/".0": 15.0 → "15", 6.25 → "6.3"."""
    rounded = arithmetic.round1(value)
    return number(int(rounded)) if rounded == int(rounded) else number(rounded, 1)


def share_text(value: float) -> str:
    """A share for running text: whole from 10 % up ("15"), one decimal below ("6.3", "6")."""
    return number(whole(value)) if value >= 10 else value_text(value)


def date_text(day: datetime.date) -> str:
    """A date inside a sentence ("31 December 2015"; in Vietnamese 31/12/2015, as every date), in the
    active language's format."""
    return formats.date_format(day, pgettext("PHP date() format of a date inside a sentence", "j F Y"))


def join_words(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c" in the active language; "" for none."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def facilities_text(count: int) -> str:
    return ngettext("%(count)s facility", "%(count)s facilities", count) % {"count": number(count)}


# --- Sentences ------------------------------------------------------------------------------------


def outputs_sentence(year: int, outputs: dict[str, int], events: Sequence[EventRow]) -> str:
    """Leaflets issued, results reports made and events held, with their participants."""
    clauses = []
    if outputs.get("leaflets"):
        n = outputs["leaflets"]
        clauses.append(
            ngettext("issued %(count)s CP introduction leaflet", "issued %(count)s CP introduction leaflets", n)
            % {"count": number(n)}
        )
    if outputs.get("results_reports"):
        n = outputs["results_reports"]
        clauses.append(
            ngettext(
                "made %(count)s report on the results of CP implementation",
                "made %(count)s reports on the results of CP implementation",
                n,
            )
            % {"count": number(n)}
        )
    held = [event_text(event) for event in events if event.count]
    if held:
        clauses.append(_("organised %(events)s") % {"events": join_words(held)})
    if not clauses:
        return _("No leaflets, results reports, symposia, workshops or trainings were recorded in %(year)s.") % {
            "year": year
        }
    return _("In %(year)s the Department of Industry and Trade %(activities)s.") % {
        "year": year,
        "activities": join_words(clauses),
    }


def event_text(event: EventRow) -> str:
    """ "3 symposia for 313 participants"; without the participants when none were recorded."""
    n, values = event.count, {"count": number(event.count), "participants": number(event.participants)}
    with_people = event.participants > 0
    if event.kind == OutreachActivity.Kind.SYMPOSIUM:
        if with_people:
            text = ngettext(
                "%(count)s symposium for %(participants)s participants",
                "%(count)s symposia for %(participants)s participants",
                n,
            )
        else:
            text = ngettext("%(count)s symposium", "%(count)s symposia", n)
    elif event.kind == OutreachActivity.Kind.WORKSHOP:
        if with_people:
            text = ngettext(
                "%(count)s workshop for %(participants)s participants",
                "%(count)s workshops for %(participants)s participants",
                n,
            )
        else:
            text = ngettext("%(count)s workshop", "%(count)s workshops", n)
    elif with_people:
        text = ngettext(
            "%(count)s training for %(participants)s participants",
            "%(count)s trainings for %(participants)s participants",
            n,
        )
    else:
        text = ngettext("%(count)s training", "%(count)s trainings", n)
    return text % values


def top_sectors(rows: Sequence[BreakdownRow], limit: int = TOP_SECTORS) -> list[str]:
    """Names of the sectors with the most newly aware facilities (ties by name), at most ``limit``."""
    ranked = sorted((row for row in rows if row.numerator), key=lambda row: (-row.numerator, row.label))
    return [row.label for row in ranked[:limit]]


def awareness_sentence(
    year: int, rows: Sequence[BreakdownRow], total: BreakdownRow, awareness: TargetResult | None = None
) -> str:
    """The share of facilities newly made aware in the year, the sectors most of them are in,
    and (from the city-wide ``awareness`` target as of the year's end) the share aware by then."""
    if not total.numerator or total.value is None:
        return _("No enterprise or production facility was newly reached by CP awareness raising in %(year)s.") % {
            "year": year
        }
    names = top_sectors(rows)
    reached_sectors = sum(1 for row in rows if row.numerator)
    if reached_sectors > len(names):
        fields = _("mainly in the fields of %(sectors)s") % {"sectors": join_words(names)}
    else:
        fields = _("in the fields of %(sectors)s") % {"sectors": join_words(names)}
    values = {
        "share": share_text(total.value),
        "newly": number(total.numerator),
        "facilities": number(total.denominator),
        "fields": fields,
    }
    if awareness is not None and awareness.value is not None:
        return _(
            "These activities improved CP awareness for %(share)s%% of enterprises and production facilities "
            "(%(newly)s of %(facilities)s), %(fields)s, bringing the share aware of CP to %(aware)s%%."
        ) % {**values, "aware": share_text(awareness.value)}
    return (
        _(
            "These activities improved CP awareness for %(share)s%% of enterprises and production facilities "
            "(%(newly)s of %(facilities)s), %(fields)s."
        )
        % values
    )


def area_places(rows: Sequence[AreaRow], named: int = NAMED_AREAS) -> list[str]:
    """Where surveys were held, as the interview says it: industrial zones and clusters
    by name (the most surveyed first, at most ``named``, the rest counted), then
    craft villages (by name when one, else counted). Facilities outside areas are left out."""
    areas = [row for row in rows if row.key is not None]
    villages = [row for row in areas if row.kind == ProductionArea.Kind.CRAFT_VILLAGE]
    industrial = [row for row in areas if row.kind != ProductionArea.Kind.CRAFT_VILLAGE]
    places = [row.label for row in industrial[:named]]
    others = len(industrial) - len(places)
    if others:
        places.append(
            ngettext(
                "%(count)s other industrial zone or cluster", "%(count)s other industrial zones and clusters", others
            )
            % {"count": number(others)}
        )
    if len(villages) == 1:
        places.append(villages[0].label)
    elif villages:
        places.append(
            ngettext("%(count)s craft village", "%(count)s craft villages", len(villages))
            % {"count": number(len(villages))}
        )
    return places


def surveys_sentence(year: int, rows: Sequence[AreaRow]) -> str:
    """How many facilities were surveyed in the year, and where."""
    in_areas = sum(row.facilities for row in rows if row.key is not None)
    elsewhere = sum(row.facilities for row in rows if row.key is None)
    values = {"year": year, "places": join_words(area_places(rows))}
    if in_areas and elsewhere:
        return _(
            "In %(year)s CP surveys were conducted at %(facilities)s in %(places)s "
            "and at %(others)s outside production areas."
        ) % {**values, "facilities": facilities_text(in_areas), "others": facilities_text(elsewhere)}
    if in_areas:
        return _("In %(year)s CP surveys were conducted at %(facilities)s in %(places)s.") % {
            **values,
            "facilities": facilities_text(in_areas),
        }
    if elsewhere:
        return _("In %(year)s CP surveys were conducted at %(facilities)s outside production areas.") % {
            **values,
            "facilities": facilities_text(elsewhere),
        }
    return _("No CP surveys were recorded in %(year)s.") % {"year": year}


def support_sentence(year: int, rows: Sequence[SupportRow], facilities: int) -> str:
    """Support given after the surveys: to how many facilities, and of which kinds.

    ``facilities``: distinct facilities supported (outputs_for_period()'s facilities_supported).
    """
    kinds = [row.label for row in rows if row.supports]
    if not kinds:
        return _("No technical support was recorded in %(year)s.") % {"year": year}
    return _("Based on the survey results, %(facilities)s received support in %(kinds)s.") % {
        "facilities": facilities_text(facilities),
        "kinds": join_words(kinds),
    }


def place_text(area: str, unit: str) -> str:
    """ "Kim Lan, Gia Lâm", or the unit alone outside production areas."""
    return ", ".join(part for part in (area, unit) if part)


def models_sentences(year: int, models: Sequence[ModelRow], replications: int) -> list[str]:
    """One sentence per demonstration model started (counted when many), and one for replications."""
    if not models and not replications:
        return [_("No demonstration model was started or replicated in %(year)s.") % {"year": year}]
    sentences = []
    if len(models) > NAMED_MODELS:
        sentences.append(
            ngettext(
                "In %(year)s the department supported %(count)s new demonstration model.",
                "In %(year)s the department supported %(count)s new demonstration models.",
                len(models),
            )
            % {"year": year, "count": number(len(models))}
        )
    else:
        sentences.extend(
            _("The department supported the demonstration model “%(model)s” at %(host)s (%(place)s).")
            % {"model": model.name, "host": model.host, "place": place_text(model.area, model.unit)}
            for model in models
        )
    if replications:
        sentences.append(
            ngettext(
                "Demonstration models were replicated at %(count)s facility in %(year)s.",
                "Demonstration models were replicated at %(count)s facilities in %(year)s.",
                replications,
            )
            % {"year": year, "count": number(replications)}
        )
    return sentences


def _resource_name(resource: str) -> str:
    """A resource as the report writes it ("raw materials", plural as in English running text)."""
    names = {
        Resource.ENERGY: _("energy"),
        Resource.RAW_MATERIAL: _("raw materials"),
        Resource.FUEL: _("fuel"),
        Resource.WATER: _("water"),
        "": _("resources"),
    }
    return str(names.get(resource, resource))


def saving_ranges(stats: Sequence[SavingStats]) -> list[tuple[int, int, list[str]]]:
    """The inter-quartile range of facility savings per resource, rounded to whole percent,
    resources with the same rounded range merged: [(low, high, [resource, …]), …] in
    ``stats`` order; resources without a measured saving are left out."""
    ranges: list[tuple[int, int, list[str]]] = []
    for stat in stats:
        if not stat.measured or stat.q1 is None or stat.q3 is None:
            continue
        low, high = whole(stat.q1), whole(stat.q3)
        same = next((r for r in ranges if r[0] == low and r[1] == high), None)
        if same:
            same[2].append(stat.resource)
        else:
            ranges.append((low, high, [stat.resource]))
    return ranges


def savings_text(stats: Sequence[SavingStats]) -> str:
    """ "5–8% of energy, raw materials and fuel"; "" when no saving was measured."""
    parts = []
    for low, high, resources in saving_ranges(stats):
        names = join_words([_resource_name(r) for r in resources])
        if low == high:
            parts.append(_("%(value)s%% of %(resources)s") % {"value": number(low), "resources": names})
        else:
            values = {"low": number(low), "high": number(high), "resources": names}
            parts.append(_("%(low)s–%(high)s%% of %(resources)s") % values)
    return join_words(parts)


def application_sentence(end: datetime.date, application: TargetResult | None, stats: Sequence[SavingStats]) -> str:
    """The share of facilities applying CP at the end of the period, and what they save."""
    savings = savings_text(stats)
    if application is None or application.value is None:
        if not savings:
            return ""
        return _("Facilities applying CP solutions saved %(savings)s per unit of product.") % {"savings": savings}
    if not application.numerator:
        return _("No industrial production facility had applied CP solutions by %(date)s.") % {"date": date_text(end)}
    if not savings:
        return _(
            "About %(share)s%% of industrial production facilities applied CP solutions; "
            "no saving per unit of product was measured."
        ) % {"share": share_text(application.value)}
    return _(
        "About %(share)s%% of industrial production facilities applied CP solutions, "
        "saving %(savings)s per unit of product."
    ) % {"share": share_text(application.value), "savings": savings}


def verified_savings_sentence(end: datetime.date, evidence: SavingEvidence) -> str:
    """How many of the facilities with a saving by ``end`` have one verified after a period,
    and on what evidence their best savings rest ("" when no saving is known)."""
    if not evidence.counted:
        return ""
    levels = [
        (evidence.audited, _("%(count)s audited")),
        (evidence.measured, _("%(count)s measured against metered data or invoices")),
        (evidence.estimated, _("%(count)s estimated by an engineer")),
        (evidence.self_reported, _("%(count)s self-reported")),
    ]
    verified = ngettext(
        "%(count)s has a saving verified after a period",
        "%(count)s have a saving verified after a period",
        evidence.verified,
    ) % {"count": number(evidence.verified)}
    return _(
        "Of the %(facilities)s with a saving per unit of product by %(date)s, %(verified)s; "
        "by the evidence of their best saving: %(levels)s."
    ) % {
        "facilities": facilities_text(evidence.counted),
        "date": date_text(end),
        "verified": verified,
        "levels": join_words([text % {"count": number(count)} for count, text in levels if count]),
    }


def _step_count(step: funnel.FunnelStep) -> str:
    """ "15 aware of CP" — a step's facilities, for a list in a sentence."""
    return _("%(count)s %(step)s") % {"count": number(step.facilities), "step": step.label}


def pathway_sentence(found: Funnel) -> str:
    """Where the facilities in scope stand at the end of the period, step by step."""
    first, *steps = found.steps
    if not first.facilities:
        return _("No facility was in scope on %(date)s.") % {"date": date_text(found.as_of)}
    return _("On %(date)s, of %(facilities)s in scope: %(steps)s.") % {
        "date": date_text(found.as_of),
        "facilities": facilities_text(first.facilities),
        "steps": ", ".join(_step_count(step) for step in steps),
    }


def largest_loss(found: Funnel) -> tuple[funnel.FunnelStep, funnel.FunnelStep] | None:
    """(step, next step) between which the most facilities did not go on, from "aware" on
    (the first such pair on a tie); None when none was lost."""
    pairs = [(before, after) for before, after in itertools.pairwise(found.steps[1:])]
    lost = [before.facilities - after.went_on for before, after in pairs]
    if not any(lost):
        return None
    return pairs[lost.index(max(lost))]


def loss_sentence(found: Funnel) -> str:
    """ "Of 15 facilities aware of CP, 2 went on to be surveyed …": where the programme loses facilities."""
    pair = largest_loss(found)
    if pair is None:
        return ""
    before, after = pair
    return _(
        "The programme loses the most facilities after “%(before)s”: of %(count)s at that step, "
        "%(went)s went on to “%(after)s” (%(share)s%%)."
    ) % {
        "before": before.label,
        "count": facilities_text(before.facilities),
        "went": number(after.went_on),
        "after": after.label,
        "share": share_text(after.conversion),
    }


def change_sentence(found: Funnel) -> str:
    """ "Since 31 December 2011: +9 aware of CP, +2 surveyed …" — the steps that changed."""
    if found.earlier is None:
        return ""
    changes = [
        _("%(change)s %(step)s") % {"change": signed_text(change), "step": step.label}
        for step, _before, change, _points in found.rows
        if change
    ]
    if not changes:
        return _("No facility changed step since %(date)s.") % {"date": date_text(found.compare)}
    return _("Since %(date)s: %(changes)s.") % {"date": date_text(found.compare), "changes": ", ".join(changes)}


def funnel_sentences(found: Funnel) -> list[str]:
    """The report's sentences on the CP pathway: where facilities stand, where most are lost,
    and what changed since the end of the year before."""
    return [
        sentence for sentence in (pathway_sentence(found), loss_sentence(found), change_sentence(found)) if sentence
    ]


def signed_text(value: int) -> str:
    """A change with its sign, in the active language: "+9", "−2"."""
    text = number(abs(value))
    return f"+{text}" if value > 0 else f"\N{MINUS SIGN}{text}" if value < 0 else text


def target_text(result: TargetResult) -> str:
    """The target's value or range with its unit: "50%", "5–8%"."""
    text = value_text(result.target_min)
    if result.target_max is not None and result.target_max != result.target_min:
        text = f"{text}–{value_text(result.target_max)}"
    return f"{text}{result.unit}"


def target_label(result: TargetResult) -> str:
    """ "Facilities aware of CP", with its scope in brackets when it has one."""
    label = capfirst(result.label)
    return f"{label} ({result.scope})" if result.scope else label


def target_sentence(result: TargetResult) -> str:
    """ "<label>: <value> against a target of <target> by <deadline> — <status>." """
    value = _("no data") if result.value is None else f"{value_text(result.value)}{result.unit}"
    return _("%(label)s: %(value)s against a target of %(target)s by %(deadline)s — %(status)s.") % {
        "label": target_label(result),
        "value": value,
        "target": target_text(result),
        "deadline": date_text(result.deadline),
        "status": result.status_label,
    }


# --- Figures --------------------------------------------------------------------------------------


def report_figures(
    sectors: Sequence[BreakdownRow],
    total: BreakdownRow,
    areas: Sequence[AreaRow],
    results: Sequence[TargetResult],
    *,
    language: str,
) -> dict[str, dict | None]:
    """The report's figures as JSON by name; None where there is nothing to draw."""
    newly = charts.newly_aware_figure(
        sectors, overall=total.value, title=_("Newly aware, by sector"), language=language
    )
    surveys = charts.surveys_by_area_figure(
        [(row.label, row.surveys) for row in areas], title=_("CP surveys, by production area"), language=language
    )
    progress = charts.targets_progress_figure(
        [progress_label(r) for r in results], results, title=_("Progress against targets"), language=language
    )
    return {
        "newly_aware": charts.figure_json(newly) if any(row.denominator for row in sectors) else None,
        "surveys": charts.figure_json(surveys) if areas else None,
        "targets": charts.figure_json(progress) if results else None,
    }


def funnel_report_figure(found: Funnel, *, language: str) -> dict | None:
    """The funnel at the end of the period beside the end of the year before, printable;
    None when no facility was in scope."""
    if not found.steps[0].facilities and not (found.earlier and found.earlier[0].facilities):
        return None
    figure = charts.funnel_figure(
        found.steps,
        [""] * len(found.steps),
        label=date_text(found.as_of),
        earlier=found.earlier,
        earlier_urls=[""] * len(found.steps),
        earlier_label=date_text(found.compare) if found.compare else "",
        title=_("The CP pathway"),
        language=language,
        printable=True,
    )
    return charts.figure_json(figure)


def progress_label(result: TargetResult, width: int = 38) -> str:
    """A target's axis label: its name over lines of ``width`` characters, then its value
    and status in bold ("15% · off track"). Plotly reads <br> and <b>; the text between
    them is escaped (charts.plain), so that a name holding markup shows as text."""
    lines = [charts.plain(line) for line in textwrap.wrap(target_label(result), width)] or [""]
    return "<br>".join([*lines, f"<b>{charts.plain(progress_value(result))}</b>"])


def progress_value(result: TargetResult) -> str:
    """A target's value and status in words, under its name on the charts: "15% · off track"."""
    value = _("no data") if result.value is None else f"{value_text(result.value)}{result.unit}"
    return f"{value} · {result.status_label}"


# --- Spreadsheet ----------------------------------------------------------------------------------


def _sheet(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> Dataset:
    """One sheet, every text cell (headers too) escaped against formulas; a sheet with no
    rows says "none" (tablib would drop its headers too)."""
    dataset = Dataset(title=title)
    dataset.headers = escape_row(headers)
    for row in rows or [[_("none"), *[None] * (len(headers) - 1)]]:
        dataset.append(escape_row(row))
    return dataset


def report_databook(report: AnnualReport) -> Databook:
    """The report's figures as a workbook, one sheet per section; the sentences on the first."""
    outputs = report.outputs
    output_rows = [
        (_("Leaflets issued"), outputs["leaflets"]),
        (_("Results reports"), outputs["results_reports"]),
        *((event.label, event.count) for event in report.events),
        *(
            (_("Participants reported by the activities: %(event)s") % {"event": event.label}, event.participants)
            for event in report.events
        ),
        *(
            (_("People on the attendance lists of facilities: %(event)s") % {"event": event.label}, event.listed)
            for event in report.events
        ),
        (_("Facilities reached"), outputs["facilities_reached"]),
        (_("Facilities newly reached"), outputs["facilities_newly_reached"]),
        (_("CP surveys"), outputs["surveys"]),
        (_("Facilities given technical support"), outputs["facilities_supported"]),
        (_("Demonstration models"), outputs["demonstration_models"]),
        (_("Replications"), outputs["replications"]),
    ]
    application = report.application
    sheets = [
        _sheet(_("Report"), [_("Results report %(year)s") % {"year": report.year}], [[s] for s in report.sentences]),
        _sheet(_("Outputs"), [_("Output"), _("Count")], output_rows),
        _sheet(
            _("Newly aware by sector"),
            [_("Sector"), _("Facilities"), _("Newly aware"), _("Share (%)")],
            [
                (row.label, row.denominator, row.numerator, row.value)
                for row in [*report.newly_aware, report.newly_aware_total]
            ],
        ),
        _sheet(
            _("Surveys by area"),
            [_("Production area"), _("Area type"), _("CP surveys"), _("Facilities")],
            [(row.label, _area_kind_label(row.kind), row.surveys, row.facilities) for row in report.surveys_by_area],
        ),
        _sheet(
            _("Support"),
            [_("Kind"), _("Supports"), _("Facilities")],
            [(row.label, row.supports, row.facilities) for row in report.support],
        ),
        _sheet(
            _("Demonstration models"),
            [
                _("Model"),
                _("Technology"),
                _("Host facility"),
                _("Production area"),
                _("Administrative unit"),
                _("Started on"),
            ],
            [(m.name, m.technology, m.host, m.area, m.unit, m.started_on) for m in report.models],
        ),
        _sheet(
            _("Replications"),
            [_("Model"), _("Facility"), _("Production area"), _("Administrative unit"), _("Replicated on")],
            [(r.model, r.facility, r.area, r.unit, r.replicated_on) for r in report.replications],
        ),
        _sheet(
            _("Application and savings"),
            [
                _("Figure"),
                _("Facilities"),
                _("Of facilities"),
                _("Value (%)"),
                _("First quartile (%)"),
                _("Third quartile (%)"),
            ],
            [
                *(
                    [
                        (
                            _("Facilities applying CP"),
                            application.numerator,
                            application.denominator,
                            application.value,
                            None,
                            None,
                        )
                    ]
                    if application
                    else []
                ),
                *(
                    (_("Median saving: %(resource)s") % {"resource": label}, s.measured, None, s.median, s.q1, s.q3)
                    for label, s in report.savings_rows
                ),
            ],
        ),
        _sheet(
            _("CP pathway"),
            [
                _("Step"),
                _("Facilities on %(date)s") % {"date": date_text(report.end)},
                _("Facilities on %(date)s")
                % {"date": date_text(report.funnel.compare) if report.funnel and report.funnel.compare else ""},
                _("Change"),
                _("Went on from the previous step"),
                _("Conversion (%)"),
                _("At this step without the previous one"),
                _("Median days from the previous step"),
            ],
            [
                (
                    capfirst(step.label),
                    step.facilities,
                    before.facilities if before else None,
                    change,
                    step.went_on,
                    step.conversion,
                    step.otherwise if step.went_on is not None else None,
                    step.median_days,
                )
                for step, before, change, _points in (report.funnel.rows if report.funnel else [])
            ],
        ),
        _sheet(
            _("Targets"),
            [
                _("Target"),
                _("Value"),
                _("Numerator"),
                _("Denominator"),
                _("Target (min)"),
                _("Target (max)"),
                _("Deadline"),
                _("Expected now"),
                _("Status"),
            ],
            [
                (
                    target_label(r),
                    r.value,
                    r.numerator,
                    r.denominator,
                    r.target_min,
                    r.target_max,
                    r.deadline,
                    r.expected_now,
                    r.status_label,
                )
                for r in report.targets
            ],
        ),
    ]
    return Databook(sheets)


def _area_kind_label(kind: str) -> str:
    return str(ProductionArea.Kind(kind).label) if kind else ""
