"""How strong the savings behind the saving targets are: evidence levels (issue 13).

Kept apart from targets/selectors.py: the figures themselves are computed there
(a target set to "verified savings only" reads the verified saving steps); this
module only says, beside them, on what evidence the facilities they count rest.
Definitions: docs/indicators.md, "Evidence of a saving".
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, FilteredRelation, Q

from facilities.models import counted_q
from programmes.models import Evidence
from targets.figures import SavingEvidence
from targets.models import SAVING_INDICATORS, Indicator, Target
from targets.queries import facilities_in_scope, scope_q, step_relation


def _current_step(day: datetime.date, resource: str, verified: bool) -> FilteredRelation:
    """On FacilityPathway: the facility's saving step valid on ``day`` (its best saving then)."""
    relation = step_relation(verified)
    valid = Q(**{f"{relation}__until__isnull": True}) | Q(**{f"{relation}__until__gt": day})
    return FilteredRelation(
        relation, condition=Q(**{f"{relation}__resource": resource, f"{relation}__since__lte": day}) & valid
    )


def _counted(indicator: str, minimum: Decimal, relation: str) -> Q:
    """The facilities whose best saving (the step joined as ``relation``) a figure counts:
    those reaching ``minimum`` ("applying with the target saving"), or every facility with
    a saving (saving targets: their median and denominator)."""
    if indicator == Indicator.SAVING:
        return Q(**{f"{relation}__best__isnull": False})
    return Q(**{f"{relation}__best__gte": minimum})


@dataclass(frozen=True)
class _Figure:
    """What a figure counts: facilities of ``scope`` counted on the day, on ``resource``
    ("" = any), ``verified_only`` or not, as ``indicator`` counts them."""

    key: object
    scope: Q
    resource: str
    verified_only: bool
    indicator: str
    minimum: Decimal


def _evidence(figures: Sequence[_Figure], as_of: datetime.date) -> dict[object, SavingEvidence]:
    """Per figure, SavingEvidence on ``as_of``: one query."""
    relations: dict[str, FilteredRelation] = {}

    def step(resource: str, verified: bool) -> str:
        name = f"{'verified' if verified else 'all'}_{resource or 'any'}"
        relations.setdefault(name, _current_step(as_of, resource, verified))
        return name

    counts = {}
    for n, figure in enumerate(figures):
        current = step(figure.resource, figure.verified_only)
        base = figure.scope & counted_q(as_of)
        counted = base & _counted(figure.indicator, figure.minimum, current)
        verified = base & _counted(figure.indicator, figure.minimum, step(figure.resource, True))
        counts[f"f{n}_counted"] = Count("pk", filter=counted)
        counts[f"f{n}_verified"] = Count("pk", filter=verified)
        for level in Evidence.values:
            counts[f"f{n}_{level}"] = Count("pk", filter=counted & Q(**{f"{current}__evidence": level}))
    # Every count needs a current saving step, so only pathway rows with a measured saving are
    # joined and counted (a few percent of the register, found through their partial index): a
    # verified step is a verified solution's saving, measured too (programmes/pathway.py).
    found = facilities_in_scope().filter(measured_on__isnull=False).annotate(**relations).aggregate(**counts)
    return {
        figure.key: SavingEvidence(
            verified_only=figure.verified_only,
            counted=found[f"f{n}_counted"],
            verified=found[f"f{n}_verified"],
            **{level: found[f"f{n}_{level}"] for level in Evidence.values},
        )
        for n, figure in enumerate(figures)
    }


def saving_evidence(*, targets: Sequence[Target], as_of: datetime.date) -> dict[int, SavingEvidence]:
    """Per saving target ({target id: SavingEvidence}), the facilities its figure counts on
    ``as_of``, by the evidence of their best saving, and how many of them count on verified
    savings alone. One query for every saving target; none when there is none."""
    figures = [
        _Figure(
            key=target.pk,
            scope=scope_q(sector_id=target.sector_id, unit_id=target.unit_scope_id, area_kind=target.area_kind),
            resource=target.resource,
            verified_only=target.verified_only,
            indicator=target.indicator,
            minimum=target.qualifying_saving(),
        )
        for target in targets
        if target.indicator in SAVING_INDICATORS
    ]
    return _evidence(figures, as_of) if figures else {}


def city_saving_evidence(*, as_of: datetime.date) -> SavingEvidence:
    """The in-scope facilities open on ``as_of`` with a saving on any resource (measured or
    reported, every saving counted), by the evidence of their best saving, and how many have a
    verified one: what the annual report says of its savings. One query."""
    figure = _Figure(None, Q(), "", False, Indicator.SAVING, Decimal(0))
    return _evidence([figure], as_of)[None]
