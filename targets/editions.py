"""Published editions of the results report: what the department said, kept as it said it.

publish() builds the year's report in every language from one snapshot of the
data and stores it (ReportEdition): the report as JSON text per language, its
workbook's bytes per language, and the records each counted figure counted
(EditionRecord). An edition is read back (edition_report()) without touching
the live data, so it stays byte-for-byte what was published whatever is
imported later. compare() sets an edition beside the live report: the figures
that moved, and per counted figure the records that entered or left it.
Choices and their reasons: docs/reports.md.
"""

import dataclasses
import datetime
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Count, Max, Model, OuterRef, QuerySet, Subquery, Window
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from cpdash.exports import xlsx_bytes
from facilities.models import AdministrativeUnit, Facility
from targets import annual_report, dashboard, selectors
from targets.annual_report import AnnualReport, number, value_text
from targets.figures import BreakdownRow, SavingStats, TargetResult
from targets.funnel import Funnel, FunnelStep
from targets.models import EditionRecord, Indicator, ReportEdition, Target
from targets.queries import aware_since, with_pathway

#: Records listed per side (entered, left) of a counted figure on the changes page.
LISTED_RECORDS = 100
NUMERATOR, DENOMINATOR = "numerator", "denominator"


# --- Writing and reading the report as JSON -------------------------------------------------------

_TYPES = {
    cls.__name__: cls
    for cls in (
        AnnualReport,
        annual_report.EventRow,
        annual_report.AreaRow,
        annual_report.SupportRow,
        annual_report.ModelRow,
        annual_report.ReplicationRow,
        BreakdownRow,
        TargetResult,
        SavingStats,
        Funnel,
        FunnelStep,
    )
}


def _encode(value: Any) -> Any:
    """``value`` as JSON data: report dataclasses tagged with their type, dates and
    decimals tagged so that they come back as they were (not as strings or floats)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {field.name: _encode(getattr(value, field.name)) for field in dataclasses.fields(value)}
        return {"$type": type(value).__name__, **fields}
    if isinstance(value, datetime.datetime):
        raise TypeError("a report holds dates, not times")
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"cannot store {type(value).__name__} in a report edition")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$date" in value:
        return datetime.date.fromisoformat(value["$date"])
    if "$decimal" in value:
        return Decimal(value["$decimal"])
    if "$type" in value:
        return _TYPES[value["$type"]](**{key: _decode(item) for key, item in value.items() if key != "$type"})
    return {key: _decode(item) for key, item in value.items()}


def dumps(reports: dict[str, AnnualReport]) -> str:
    """The reports by language as JSON text (what ReportEdition.payload holds)."""
    return json.dumps({language: _encode(report) for language, report in reports.items()}, ensure_ascii=False)


def loads(payload: str, language: str) -> AnnualReport:
    """The report in ``language`` (else in the site's language) from ReportEdition.payload."""
    reports = json.loads(payload)
    return _decode(reports.get(language) or reports[settings.LANGUAGE_CODE])


def reader_language() -> str:
    """The active language if the editions have it, else the site's."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


# --- The records behind the counted figures -------------------------------------------------------


def newly_aware_facilities(*, start: datetime.date, end: datetime.date, numerator: bool) -> QuerySet[Facility]:
    """The facilities the report's "newly aware" share counts: in-scope facilities open on
    ``end`` (denominator), those first reached in [start, end] (numerator) — the definition of
    annual_report.newly_aware_by_sector(), record by record (a test holds them equal)."""
    facilities = with_pathway(Facility.objects.counted_on(end), end)
    if numerator:
        facilities = facilities.alias(first=aware_since()).filter(first__gte=start, first__lte=end)
    return facilities


@dataclasses.dataclass(frozen=True)
class CountedFigure:
    """A figure of the report that counts records: its key in EditionRecord.figure, its
    label, the model it counts (Facility, or AdministrativeUnit for specialist coverage)
    and the records it counts now."""

    key: str
    label: str
    model: type[Model]
    live: QuerySet


def counted_figures(report: AnnualReport, targets: Sequence[Target]) -> list[CountedFigure]:
    """The figures whose records an edition keeps: the newly aware share, then each target's
    numerator and denominator, as of the report's end. Builds querysets; runs none."""
    start, end = report.start, report.end
    figures = [
        CountedFigure(
            f"newly_aware/{part}",
            _("Newly aware in the year: %(part)s") % {"part": _part_label(part)},
            Facility,
            newly_aware_facilities(start=start, end=end, numerator=part == NUMERATOR),
        )
        for part in (NUMERATOR, DENOMINATOR)
    ]
    labels = {result.target_id: annual_report.target_label(result) for result in report.targets}
    for target in targets:
        model = AdministrativeUnit if target.indicator == Indicator.SPECIALIST_COVERAGE else Facility
        for part in (NUMERATOR, DENOMINATOR):
            records = selectors.records_behind(target=target, as_of=end, denominator=part == DENOMINATOR)
            label = labels.get(target.pk) or str(target)
            figures.append(
                CountedFigure(
                    f"target/{target.pk}/{part}",
                    f"{label}: {_part_label(part)}",
                    model,
                    records,
                )
            )
    return figures


def _part_label(part: str) -> str:
    return _("numerator") if part == NUMERATOR else _("denominator")


def report_targets(report: AnnualReport) -> list[Target]:
    """The targets the report gives (those still in the database), in its order. 1 query."""
    ids = [result.target_id for result in report.targets]
    found = Target.objects.select_related("phase", "sector", "unit_scope").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def _keep_records(edition: ReportEdition, figure: CountedFigure) -> None:
    """INSERT … SELECT: the figure's records go into EditionRecord inside the database."""
    query = figure.live.order_by().values("pk").query
    select, params = query.get_compiler(using=figure.live.db).as_sql()
    table = connection.ops.quote_name(EditionRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (edition_id, figure, record_id) SELECT %s, %s, counted.* FROM ({select}) counted",
            [edition.pk, figure.key, *params],
        )


# --- Publishing -----------------------------------------------------------------------------------


def publish(*, year: int, user: AbstractBaseUser, today: datetime.date | None = None) -> ReportEdition:
    """Publish the report for ``year`` (check annual_report.report_refusal() first): a new
    edition numbered after the year's latest, with the report in every language, its
    workbooks and the records its counted figures count, from one snapshot of the data.

    On PostgreSQL the transaction reads one snapshot (REPEATABLE READ) when publish() opens
    it, so that an import running meanwhile cannot give the languages different figures;
    inside a transaction already open (tests), the caller's isolation applies.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        reports, workbooks = {}, {}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                report = annual_report.annual_report(year=year, today=today)
                reports[language] = report
                workbooks[language] = xlsx_bytes(annual_report.report_databook(report))
        latest = ReportEdition.objects.filter(year=year).aggregate(latest=Max("number"))["latest"] or 0
        edition = ReportEdition.objects.create(
            year=year,
            number=latest + 1,
            as_of=report.end,
            published_at=timezone.now(),
            published_by=user,
            payload=dumps(reports),
            xlsx_vi=workbooks.get("vi", b""),
            xlsx_en=workbooks.get("en", b""),
        )
        for figure in counted_figures(report, report_targets(report)):
            _keep_records(edition, figure)
    return edition


def edition_report(edition: ReportEdition, language: str | None = None) -> AnnualReport:
    """The edition's report in ``language`` (default: the reader's), as published."""
    return loads(edition.payload, language or reader_language())


def edition_xlsx(edition: ReportEdition, language: str | None = None) -> bytes:
    """The edition's workbook in ``language`` (default: the reader's), the bytes published."""
    language = language or reader_language()
    return bytes(edition.xlsx_en if language == "en" else edition.xlsx_vi)


# --- Published against live -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FigureChange:
    """One figure of the report as published and as it stands now ("" where it has none)."""

    key: str
    label: str
    published: str
    live: str

    @property
    def changed(self) -> bool:
        return self.published != self.live


def _fraction(value: float | None, numerator: int, denominator: int, unit: str = "%") -> str:
    shown = "—" if value is None else f"{value_text(value)}{unit}"
    return f"{shown} ({number(numerator)}/{number(denominator)})"


def _maybe(value: float | Decimal | None) -> str:
    return "—" if value is None else value_text(value)


def report_numbers(report: AnnualReport) -> dict[str, tuple[str, str]]:
    """Every number the report gives, as text, by a key that does not depend on the
    language: {key: (label, text)}. Two reports of one year compare key by key."""
    outputs = report.outputs
    found: dict[str, tuple[str, str]] = {
        f"outputs/{key}": (capfirst(str(dashboard.OUTPUT_LABELS.get(key, key))), number(value))
        for key, value in outputs.items()
        if isinstance(value, int)
    }
    for event in report.events:
        found[f"participants/{event.kind}"] = (
            _("Participants: %(event)s") % {"event": event.label},
            number(event.participants),
        )
    for row in [*report.newly_aware, report.newly_aware_total]:
        found[f"newly_aware/{row.key}"] = (
            _("Newly aware: %(sector)s") % {"sector": row.label},
            _fraction(row.value, row.numerator, row.denominator),
        )
    for row in report.surveys_by_area:
        found[f"surveys/{row.key}"] = (
            _("CP surveys: %(area)s") % {"area": row.label},
            f"{number(row.surveys)} ({facilities(row.facilities)})",
        )
    for row in report.support:
        found[f"support/{row.kind}"] = (
            _("Technical support: %(kind)s") % {"kind": row.label},
            f"{number(row.supports)} ({facilities(row.facilities)})",
        )
    if report.application:
        a = report.application
        found["application"] = (_("Facilities applying CP"), _fraction(a.value, a.numerator, a.denominator))
    for label, stat in report.savings_rows:
        found[f"saving/{stat.resource}"] = (
            _("Median saving: %(resource)s") % {"resource": label},
            f"{_maybe(stat.median)} ({_maybe(stat.q1)}–{_maybe(stat.q3)}; {facilities(stat.measured)})",
        )
    for result in report.targets:
        found[f"target/{result.target_id}"] = (
            annual_report.target_label(result),
            f"{_fraction(result.value, result.numerator, result.denominator, result.unit)} · {result.status_label}",
        )
    for step in report.funnel.steps if report.funnel else []:
        found[f"funnel/{step.key}"] = (
            _("CP pathway: %(step)s") % {"step": step.label},
            facilities(step.facilities),
        )
    return found


def facilities(count: int) -> str:
    return annual_report.facilities_text(count)


def figure_changes(published: AnnualReport, live: AnnualReport) -> list[FigureChange]:
    """Every number of either report, published beside live, in the published report's order
    (figures only the live report has at the end)."""
    before, now = report_numbers(published), report_numbers(live)
    keys = [*before, *(key for key in now if key not in before)]
    return [
        FigureChange(
            key,
            (before.get(key) or now[key])[0],
            before[key][1] if key in before else "",
            now[key][1] if key in now else "",
        )
        for key in keys
    ]


def differs(published: AnnualReport, live: AnnualReport) -> bool:
    """Whether any number or sentence of the live report differs from the edition's."""
    return report_numbers(published) != report_numbers(live) or published.sentences != live.sentences


@dataclasses.dataclass(frozen=True)
class RecordRow:
    """A record that entered or left a counted figure: ``code`` "" for units, ``name`` ""
    when the record is no longer in the database; ``changed``: its latest change in the
    register (history) after the edition was published, None when none."""

    pk: int
    code: str
    name: str
    changed: datetime.datetime | None


@dataclasses.dataclass(frozen=True)
class RecordChanges:
    """A counted figure's records: how many the edition counted and are counted now, and
    those that entered (counted now, not then) and left (counted then, not now), the first
    LISTED_RECORDS of each with their totals."""

    key: str
    label: str
    entered: list[RecordRow]
    entered_count: int
    left: list[RecordRow]
    left_count: int

    @property
    def sides(self) -> list[tuple[str, list[RecordRow], int]]:
        """(heading, rows, total) for entered, then left: for the page."""
        return [(_("Entered"), self.entered, self.entered_count), (_("Left"), self.left, self.left_count)]


def _changed_since(model: type[Model], published_at: datetime.datetime, ref: str) -> Subquery:
    history = model.history.model  # simple_history's table of the model
    changes = history.objects.filter(id=OuterRef(ref), history_date__gt=published_at).order_by("-history_date")
    return Subquery(changes.values("history_date")[:1])


def _rows(values: Sequence[dict], pk: str = "pk") -> tuple[list[RecordRow], int]:
    rows = [RecordRow(v[pk], v.get("code") or "", v.get("name") or "", v["changed"]) for v in values]
    return rows, (values[0]["total"] if values else 0)


def record_changes(edition: ReportEdition, figure: CountedFigure) -> RecordChanges:
    """Who entered and left ``figure`` since ``edition``, compared in the database. 2 queries."""
    kept = EditionRecord.objects.filter(edition=edition, figure=figure.key)
    fields = ("pk", "code", "name") if figure.model is Facility else ("pk", "name")
    entered = (
        figure.live.exclude(pk__in=kept.values("record_id"))
        .annotate(
            changed=_changed_since(figure.model, edition.published_at, "pk"),
            total=Window(Count("*")),
        )
        .values(*fields, "changed", "total")
    )
    described = figure.model.objects.filter(pk=OuterRef("record_id"))
    left = (
        kept.exclude(record_id__in=figure.live.order_by().values("pk"))
        .annotate(
            name=Subquery(described.values("name")[:1]),
            changed=_changed_since(figure.model, edition.published_at, "record_id"),
            total=Window(Count("*")),
            **({"code": Subquery(described.values("code")[:1])} if figure.model is Facility else {}),
        )
        .order_by("record_id")
        .values("record_id", "name", "changed", "total", *(("code",) if figure.model is Facility else ()))
    )
    entered_rows, entered_count = _rows(list(entered[:LISTED_RECORDS]))
    left_rows, left_count = _rows(list(left[:LISTED_RECORDS]), pk="record_id")
    return RecordChanges(figure.key, figure.label, entered_rows, entered_count, left_rows, left_count)


def compare(edition: ReportEdition, published: AnnualReport, live: AnnualReport) -> dict[str, Any]:
    """The edition beside the live report: {"figures": [FigureChange, …] (every number),
    "sentences": [(published, live), …] (those that differ), "records": [RecordChanges, …]
    (per counted figure)}. 1 query for the targets, 2 per counted figure."""
    sentences = [
        (before, now)
        for before, now in zip(
            _padded(published.sentences, live.sentences), _padded(live.sentences, published.sentences), strict=True
        )
        if before != now
    ]
    return {
        "figures": figure_changes(published, live),
        "sentences": sentences,
        "records": [
            record_changes(edition, figure) for figure in counted_figures(published, report_targets(published))
        ],
    }


def _padded(items: list[str], other: list[str]) -> list[str]:
    return [*items, *[""] * (len(other) - len(items))]
