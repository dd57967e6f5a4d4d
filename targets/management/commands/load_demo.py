"""``manage.py load_demo``: Hanoi's CP programme 2011–2015 as demo data.

About 3,000 facilities in Hanoi's units, parks, clusters and craft villages,
and five years of activity shaped like the interview's year (2012): see
programmes/demo_data.py. Also the role groups and three demo users.

Idempotent: every record is matched on a natural key (unit name, facility
code, activity title and date, …) and inserted or updated, never duplicated,
so unchanged rows keep their ids: the reference tables through their imports
(targets/demo.py), the others with cpdash.imports.write_by_key; the same bulk
writes as the imports, without history entries. Rows that are not part of the demo (from an
older version of it, or entered by hand) are kept and counted; ``--reset``
deletes them, after asking. Deterministic: a fixed seed. One transaction, after which the
tables written are analysed on PostgreSQL (cpdash.database.analyze: fresh
planner statistics, so the first dashboard is not planned blind).

Safe on a real database by mistake (an exported DATABASE_URL): it only loads
into a demo database (demo_database_problem(): an empty one, or one holding the
demo programme) unless DEBUG=1 or ``--i-know-this-is-not-production``, and it
never changes an existing account. Demo users it creates get random passwords,
printed once, or the ones given with ``--password USER=PASSWORD``.
"""

import random
import secrets
import time
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpdash import bulk
from cpdash.database import analyze, lift_statement_timeout
from cpdash.imports import KeyedWrite, write_by_key
from cpdash.roles import ADMINS, MANAGERS, STAFF, ensure_groups
from facilities.models import Facility, UnitMembership
from programmes import demo_data as data
from programmes import pathway
from programmes.management.demo_activity import ActivityPlanner
from programmes.management.demo_register import (
    build_memberships,
    build_register,
    build_specialists,
)
from programmes.models import (
    Attendance,
    AwarenessRecord,
    CPOption,
    DemonstrationModel,
    FacilityPathway,
    OutreachActivity,
    Programme,
    Replication,
    ResourceSaving,
    SavingStep,
    Solution,
    Specialist,
    Survey,
    TechnicalSupport,
    VerifiedSavingStep,
)
from targets.demo import build_programme, import_reference_data

SEED = 20120101
MIN_FACILITIES = 500  # below this, the areas are too small for the 2012 surveys

# (username, group, is_staff, is_superuser). Staff record on the /record/ pages, so
# they have no "Staff status" (the admin is for Admins: README, "Production").
DEMO_USERS = (
    ("admin", ADMINS, True, True),
    ("manager", MANAGERS, False, False),
    ("staff", STAFF, False, False),
)
#: The e-mail domain of the accounts load_demo makes ("admin@demo.invalid"): how it tells them from real ones.
DEMO_EMAIL_DOMAIN = "demo.invalid"
#: The flag that loads into a database that does not look like a demo one.
FORCE_FLAG = "--i-know-this-is-not-production"


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a property: argparse rejects lazy strings, and this translates at run time
        return _("Load (or refresh) the Hanoi cleaner-production demo data, role groups and demo users.")

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
        parser.add_argument(
            "--password",
            action="append",
            default=[],
            metavar="USER=PASSWORD",
            help=gettext_lazy(
                "Password of a demo user it creates (admin, manager, staff); repeat for each. "
                "Without it, a random password, printed once."
            ),
        )
        parser.add_argument(
            FORCE_FLAG,
            action="store_true",
            dest="not_production",
            help=gettext_lazy(
                "Load even into a database that does not look like a demo one (it holds facilities or "
                "accounts, and not the demo programme). Existing accounts are still left alone."
            ),
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help=gettext_lazy("Do not ask before --reset deletes rows."),
        )

    def handle(
        self,
        *args,
        once: bool = False,
        reset: bool = False,
        facilities: int = data.REFERENCE_SIZE,
        password: list[str] | None = None,
        not_production: bool = False,
        interactive: bool = True,
        **options,
    ) -> None:
        if facilities < MIN_FACILITIES:
            raise CommandError(_("--facilities must be at least %(min)d.") % {"min": MIN_FACILITIES})
        passwords = chosen_passwords(password or [])
        if once and Programme.objects.filter(slug=data.PROGRAMME_SLUG).exists():
            self.stdout.write(
                _("Demo data already loaded (programme “%(slug)s”): nothing done.") % {"slug": data.PROGRAMME_SLUG}
            )
            return
        problem = demo_database_problem()
        if problem and not (settings.DEBUG or not_production):
            raise CommandError(
                _(
                    "%(problem)s It does not look like a demo database, so nothing was loaded. Use an empty "
                    "database (without DATABASE_URL: the local SQLite file), or, if you mean it, add %(flag)s."
                )
                % {"problem": problem, "flag": FORCE_FLAG}
            )
        if problem:
            self.stderr.write(self.style.WARNING(_("%(problem)s Loading anyway.") % {"problem": problem}))
        started = time.perf_counter()
        lift_statement_timeout()  # bulk writes of the whole register: longer than a request may take
        with transaction.atomic():
            results = load(facilities)
            if reset:
                self._confirm_reset(results, interactive)
                for model, result in reversed(results):  # children before their parents
                    delete_rows(model, result.stale)
            pathway.rebuild()  # the demo is written in bulk, which sends no signals
            ensure_groups()
            created: list[tuple[User, str]] = []
            for username, group, is_staff, is_superuser in DEMO_USERS:
                password = passwords.get(username) or new_password()
                user = create_demo_user(username, group, is_staff, is_superuser, password)
                if user is not None:
                    created.append((user, password))
        analyze(*(model for model, _result in results), FacilityPathway, SavingStep, VerifiedSavingStep)
        self._report(results, reset, time.perf_counter() - started)
        if options.get("verbosity", 1) >= 1:
            self._report_users(created, passwords)

    def _confirm_reset(self, results: list[tuple[type[Model], KeyedWrite]], interactive: bool) -> None:
        """Ask before --reset deletes rows that are not part of the demo; CommandError (so
        nothing is written) unless the answer is yes."""
        others = {model: len(result.stale) for model, result in results if result.stale}
        if not others or not interactive:
            return
        listed = ", ".join(f"{n} {model._meta.verbose_name_plural}" for model, n in others.items())
        question = _("--reset deletes %(rows)s that are not part of the demo. Type “yes” to delete them: ")
        try:
            answer = input(question % {"rows": listed})
        except EOFError:  # no terminal to ask on
            answer = ""
        if answer.strip().lower() != "yes":
            raise CommandError(_("Nothing was deleted or loaded (to delete without being asked: --no-input)."))

    def _report_users(self, created: list[tuple[User, str]], passwords: dict[str, str]) -> None:
        """The demo users made now, with the passwords drawn for them: shown this once."""
        kept = [username for username, *_role in DEMO_USERS if username not in {u.username for u, _p in created}]
        if kept:
            self.stdout.write(
                _("Accounts kept as they are (load_demo never changes an existing account): %(users)s.")
                % {"users": ", ".join(kept)}
            )
        if not created:
            return
        self.stdout.write(_("Demo users created (passwords shown only now; to change one: manage.py changepassword):"))
        for user, password in created:
            group = user.groups.get().name
            shown = password if user.username not in passwords else _("(the password given with --password)")
            self.stdout.write(f"  {user.username:<8} {shown}  ({group})")

    def _report(self, results: list[tuple[type[Model], KeyedWrite]], reset: bool, seconds: float) -> None:
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


def load(facilities: int) -> list[tuple[type[Model], KeyedWrite]]:
    """Build the demo data and save it by natural key; returns what was written per model."""
    rng = random.Random(SEED)
    register = build_register(rng, facilities)
    programme, phases, targets = build_programme()
    plan = ActivityPlanner(rng, register, facilities / data.REFERENCE_SIZE).plan()
    # After the plan, which reads each facility's district; an rng of its own, so that the
    # rest of the demo stays the same.
    memberships = build_memberships(random.Random(SEED + 1), register)
    # Reference data goes through the admin's imports (targets.demo.import_reference_data).
    reference = import_reference_data(
        list(register.units.values()),
        list(register.sectors.values()),
        list(register.areas.values()),
        programme,
        phases,
        targets,
    )
    steps = (
        (Facility, register.facilities, ("code",)),
        (UnitMembership, memberships, ("facility", "since")),
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
    # Written as the imports write (cpdash.imports.write_by_key), without history entries: demo
    # data, loaded by a command with no user, would only bury real changes.
    written = [(model, write_by_key(model, objs, key, history=False)) for model, objs, key in steps]
    # The records keep the rules the forms, the admin and the imports keep (the models' clean():
    # programmes/models.py, "Record rules"), checked once all are linked; else nothing is kept.
    problems = rule_problems(obj for _model, objs, _key in steps[2:] for obj in objs)
    if problems:
        raise CommandError(
            _("The demo data breaks a record rule (a bug in the demo): %(problems)s")
            % {"problems": " ".join(problems[:5])}
        )
    facilities, memberships, *records = written
    return [*reference[:3], facilities, memberships, *reference[3:], *records]


def rule_problems(records: Iterable[Model]) -> list[str]:
    """What the models' clean() refuses in ``records``, one line per record: plain Python on
    the objects in memory (their relations are the objects they were built with)."""
    problems = []
    for obj in records:
        try:
            obj.clean()
        except ValidationError as error:
            problems.append(f"{obj._meta.verbose_name} “{obj}”: {' '.join(error.messages)}")
    return problems


def delete_rows(model: type[Model], ids: list[int]) -> None:
    """Delete rows by id (and what cascades from them), in batches that stay under SQLite's
    limit of parameters a statement."""
    for start in range(0, len(ids), bulk.IN_CHUNK):
        model.objects.filter(pk__in=ids[start : start + bulk.IN_CHUNK]).delete()


def demo_database_problem() -> str | None:
    """Why the database does not look like a demo one, or None: it holds the demo
    programme, or neither facilities nor accounts other than the demo users."""
    if Programme.objects.filter(slug=data.PROGRAMME_SLUG, name=data.PROGRAMME_NAME).exists():
        return None
    facilities = Facility.objects.count()
    demo_users = [f"{username}@{DEMO_EMAIL_DOMAIN}" for username, *_role in DEMO_USERS]
    accounts = User.objects.exclude(email__in=demo_users).count()
    if not facilities and not accounts:
        return None
    return _("This database holds %(facilities)d facilities and %(accounts)d accounts, and not the demo programme.") % {
        "facilities": facilities,
        "accounts": accounts,
    }


def chosen_passwords(values: list[str]) -> dict[str, str]:
    """``--password USER=PASSWORD`` values → {user: password}, for demo users only."""
    names = [username for username, *_role in DEMO_USERS]
    chosen = {}
    for value in values:
        username, sep, password = value.partition("=")
        if not sep or username not in names or not password:
            raise CommandError(
                _("--password takes USER=PASSWORD, USER one of %(users)s; got “%(value)s”.")
                % {"users": ", ".join(names), "value": username if sep else value}
            )
        chosen[username] = password
    return chosen


def new_password() -> str:
    """A random password for a demo user: 16 characters, letters, digits, - and _."""
    return secrets.token_urlsafe(12)


def create_demo_user(username: str, group: str, is_staff: bool, is_superuser: bool, password: str) -> User | None:
    """The demo user ``username``, made now in ``group``; None when an account of that
    name exists already, which is left exactly as it is (password, status, groups)."""
    if User.objects.filter(username=username).exists():
        return None
    user = User.objects.create_user(
        username, f"{username}@{DEMO_EMAIL_DOMAIN}", password, is_staff=is_staff, is_superuser=is_superuser
    )
    user.groups.set([Group.objects.get(name=group)])
    return user
