"""The demo programme: Hanoi's CP programme 2011–2020, its phases and targets
(programmes/demo_data.py holds the figures). Used by ``load_demo``."""

from decimal import Decimal

from programmes import demo_data as data
from programmes.models import Phase, Programme
from targets.models import Target


def build_programme() -> tuple[Programme, list[Phase], list[Target]]:
    """Hanoi's CP programme 2011–2020, its two phases and their targets."""
    programme = Programme(
        slug=data.PROGRAMME_SLUG,
        name=data.PROGRAMME_NAME,
        starts_on=data.PHASES[0][1],
        ends_on=data.PHASES[-1][2],
        description=data.PROGRAMME_DESCRIPTION,
    )
    phases = [Phase(programme=programme, name=name, starts_on=s, ends_on=e) for name, s, e in data.PHASES]
    targets = [
        Target(
            phase=phase,
            indicator=indicator,
            target_min=Decimal(low),
            target_max=None if high is None else Decimal(high),
            saving_min=None if saving_min is None else Decimal(saving_min),
            saving_max=None if saving_max is None else Decimal(saving_max),
            deadline=phase.ends_on,
            baseline_on=data.TARGET_BASELINE_ON,
            baseline_value=Decimal(0),
        )
        for phase in phases
        for indicator, low, high, saving_min, saving_max in data.TARGETS[phase.name]
    ]
    return programme, phases, targets
