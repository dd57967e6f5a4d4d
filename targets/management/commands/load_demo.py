"""``manage.py load_demo``: Hanoi's CP programme 2011–2015 as demo data.

About 3,000 facilities in Hanoi's units, parks, clusters and craft villages,
and five years of activity shaped like the interview's year (2012): see
programmes/demo_data.py. Also the role groups and three demo users.

Idempotent: every record is matched on a natural key (unit name, facility
code, activity title and date, …) and inserted or updated, never duplicated,
so unchanged rows keep their ids. Rows that are not part of the demo (from an
older version of it, or entered by hand) are kept and counted; ``--reset``
deletes them. Deterministic: a fixed seed. One transaction, after which the
tables written are analysed on PostgreSQL (cpdash.db.analyze: fresh planner
statistics, so the first dashboard is not planned blind).
"""

import random
import time

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpdash.db import analyze
from cpdash.roles import ADMINS, MANAGERS, STAFF, ensure_groups
from facilities.models import AdministrativeUnit, Facility, ProductionArea, Sector
from programmes import demo_data as data
from programmes import pathway
from programmes.management.demo_activity import ActivityPlanner
from programmes.management.demo_register import build_register, build_specialists
from programmes.management.upsert import UpsertResult, delete_rows, upsert
from programmes.models import (
    Attendance,
    AwarenessRecord,
    CPOption,
    DemonstrationModel,
    FacilityPathway,
    OutreachActivity,
    Phase,
    Programme,
    Replication,
    ResourceSaving,
    SavingStep,
    Solution,
    Specialist,
    Survey,
    TechnicalSupport,
)
from targets.demo import build_programme
from targets.models import Target

SEED = 20120101
MIN_FACILITIES = 500  # below this, the areas are too small for the 2012 surveys

# (username, password, group, is_staff, is_superuser). The passwords are
# published in the README: demo databases only.
DEMO_USERS = (
    ("admin", "admin-demo-2015", ADMINS, True, True),
    ("manager", "manager-demo-2015", MANAGERS, False, False),
    # Staff record through the Django admin until staff forms exist.
    ("staff", "staff-demo-2015", STAFF, True, False),
)


class Command(BaseCommand):
    help = gettext_lazy("Load (or refresh) the Hanoi cleaner-production demo data, role groups and demo users.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help=gettext_lazy("Do nothing if the demo programme is already there.")
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=gettext_lazy(
                "Also delete every other row of the demo's tables (older demo data, records entered by hand)."
            ),
        )
        parser.add_argument(
            "--facilities",
            type=int,
            default=data.REFERENCE_SIZE,
            help=gettext_lazy("Size of the register (default %(default)s); smaller ones are for tests."),
        )

    def handle(
        self, *args, once: bool = False, reset: bool = False, facilities: int = data.REFERENCE_SIZE, **options
    ) -> None:
        if facilities < MIN_FACILITIES:
            raise CommandError(_("--facilities must be at least %(min)d.") % {"min": MIN_FACILITIES})
        if once and Programme.objects.filter(slug=data.PROGRAMME_SLUG).exists():
            self.stdout.write(
                _("Demo data already loaded (programme “%(slug)s”): nothing done.") % {"slug": data.PROGRAMME_SLUG}
            )
            return
        started = time.perf_counter()
        with transaction.atomic():
            results = load(facilities)
            if reset:
                for model, result in reversed(results):  # children before their parents
                    delete_rows(model, result.stale)
            pathway.rebuild()  # the demo is written in bulk, which sends no signals
            ensure_groups()
            for user in DEMO_USERS:
                ensure_demo_user(*user)
        analyze(*(model for model, _result in results), FacilityPathway, SavingStep)
        self._report(results, reset, time.perf_counter() - started)

    def _report(self, results: list[tuple[type[Model], UpsertResult]], reset: bool, seconds: float) -> None:
        for model, result in results:
            self.stdout.write(
                _("%(name)-22s %(total)6d  (%(created)d new, %(updated)d updated, %(other)d %(fate)s)")
                % {
                    "name": model._meta.verbose_name_plural,
                    "total": result.total,
                    "created": result.created,
                    "updated": result.updated,
                    "other": len(result.stale),
                    "fate": _("deleted") if reset else _("others kept"),
                }
            )
        created = sum(r.created for _model, r in results)
        updated = sum(r.updated for _model, r in results)
        others = sum(len(r.stale) for _model, r in results)
        if others and not reset:
            self.stdout.write(
                self.style.WARNING(
                    _("%(n)d rows of these tables are not part of the demo; --reset deletes them.") % {"n": others}
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data loaded in %(seconds).1f s: %(created)d records new, %(updated)d updated.")
                % {"seconds": seconds, "created": created, "updated": updated}
            )
        )
        self.stdout.write(
            _("Demo users: %(users)s (published passwords: demo databases only).")
            % {"users": ", ".join(u[0] for u in DEMO_USERS)}
        )


def load(facilities: int) -> list[tuple[type[Model], UpsertResult]]:
    """Build the demo data and save it by natural key; returns what was written per model."""
    rng = random.Random(SEED)
    register = build_register(rng, facilities)
    programme, phases, targets = build_programme()
    plan = ActivityPlanner(rng, register, facilities / data.REFERENCE_SIZE).plan()
    steps = (
        (AdministrativeUnit, list(register.units.values()), ("name",)),
        (Sector, list(register.sectors.values()), ("name",)),
        (ProductionArea, list(register.areas.values()), ("name",)),
        (Facility, register.facilities, ("code",)),
        (Programme, [programme], ("slug",)),
        (Phase, phases, ("programme", "name")),
        (Target, targets, ("phase", "indicator", "sector", "unit_scope", "area_kind", "resource")),
        (Specialist, build_specialists(register.units), ("unit", "name", "appointed_on")),
        (OutreachActivity, plan.activities, ("title", "held_on")),
        (Attendance, plan.attendances, ("activity", "facility")),
        (AwarenessRecord, plan.awareness_records, ("facility", "recorded_on", "source")),
        (Survey, plan.surveys, ("facility", "surveyed_on")),
        (CPOption, plan.options, ("survey", "category", "description")),
        (TechnicalSupport, plan.supports, ("survey", "kind")),
        (DemonstrationModel, plan.demonstrations, ("name",)),
        (Replication, plan.replications, ("model", "facility")),
        (Solution, plan.solutions, ("facility", "implemented_on", "category", "description")),
        (ResourceSaving, plan.savings, ("solution", "resource")),
    )
    return [(model, upsert(model, objs, key)) for model, objs, key in steps]


def ensure_demo_user(username: str, password: str, group: str, is_staff: bool, is_superuser: bool) -> User:
    """Create or reset a demo user. The password is only rehashed when it
    no longer matches, so a second load does not sign anyone out."""
    user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@demo.invalid"})
    stale = (user.is_staff, user.is_superuser, user.is_active) != (is_staff, is_superuser, True)
    user.is_staff, user.is_superuser, user.is_active = is_staff, is_superuser, True
    if created or not user.check_password(password):
        user.set_password(password)
        stale = True
    if stale:
        user.save()
    user.groups.set([Group.objects.get(name=group)])
    return user
