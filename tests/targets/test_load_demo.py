"""load_demo: idempotent, and shaped like the interview's year (2012).

Shares are computed in the database, as the dashboard would: facilities in
scope and open on the day; reached = attended an activity, was surveyed, or
has an awareness record by then; applying = has a CP solution by then.
"""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from facilities.models import AdministrativeUnit, Facility, ProductionArea, Sector, UnitMembership, member_on_q
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
from targets.management.commands.load_demo import MIN_FACILITIES, rule_problems
from targets.models import Target
from tests import builders

SMALL = 800  # facilities: enough for the 2012 shape, quick to load
END_2012, END_2015 = dt.date(2012, 12, 31), dt.date(2015, 12, 31)
DEMO_MODELS = (
    AdministrativeUnit,
    Sector,
    ProductionArea,
    Facility,
    Programme,
    Phase,
    Target,
    Specialist,
    OutreachActivity,
    Attendance,
    AwarenessRecord,
    Survey,
    CPOption,
    TechnicalSupport,
    DemonstrationModel,
    Replication,
    Solution,
    ResourceSaving,
    User,
    Group,
)


DEMO_LOGINS = (("admin", "a-Demo-pass-1", "Admins"), ("manager", "m-Demo-pass-2", "Managers"))
DEMO_LOGINS += (("staff", "s-Demo-pass-3", "Staff"),)


def load(**options) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in DEMO_MODELS}


def open_in_scope(day: dt.date):
    return Facility.objects.in_scope().open_on(day)


def reached(day: dt.date):
    return open_in_scope(day).filter(
        Exists(Attendance.objects.filter(facility=OuterRef("pk"), activity__held_on__lte=day))
        | Exists(Survey.objects.filter(facility=OuterRef("pk"), surveyed_on__lte=day))
        | Exists(AwarenessRecord.objects.filter(facility=OuterRef("pk"), recorded_on__lte=day))
    )


def applying(day: dt.date):
    return open_in_scope(day).filter(Exists(Solution.objects.filter(facility=OuterRef("pk"), implemented_on__lte=day)))


def percent(queryset, day: dt.date) -> float:
    return 100 * queryset.count() / open_in_scope(day).count()


def median_saving(day: dt.date) -> float:
    """Median saving_percent of the savings measured at applying facilities by ``day``."""
    savings = ResourceSaving.objects.filter(
        solution__implemented_on__lte=day, solution__facility__in=applying(day), saving_percent__isnull=False
    ).order_by("saving_percent")
    return savings.values_list("saving_percent", flat=True)[savings.count() // 2]


def specialist_coverage(day: dt.date) -> float:
    units = AdministrativeUnit.objects.valid_on(day)
    covered = units.filter(Exists(Specialist.objects.in_post_on(day).filter(unit=OuterRef("pk"))))
    return 100 * covered.count() / units.count()


def in_2012(queryset, kind: str):
    return queryset.filter(kind=kind, held_on__year=2012)


def ids() -> dict[str, list[int]]:
    return {model.__name__: list(model.objects.order_by("pk").values_list("pk", flat=True)) for model in DEMO_MODELS}


@pytest.mark.django_db
def test_a_second_run_changes_nothing():
    load(facilities=SMALL)
    before = ids()

    output = load(facilities=SMALL)

    assert ids() == before  # the same rows, with the same ids
    assert "0 records new, 0 updated" in output


@pytest.mark.django_db
def test_the_demo_writes_no_history_entries():
    """Demo data, loaded by a command with no user, would bury real changes in the history."""
    load(facilities=SMALL)

    assert Facility.objects.exists()
    assert {model.__name__: model.history.count() for model in DEMO_MODELS if hasattr(model, "history")} == {
        model.__name__: 0 for model in DEMO_MODELS if hasattr(model, "history")
    }


@pytest.mark.django_db
def test_rows_outside_the_demo_are_kept_unless_reset():
    load(facilities=SMALL)
    by_hand = builders.facility(sector=Sector.objects.first(), unit=AdministrativeUnit.objects.first())

    kept = load(facilities=SMALL)
    assert Facility.objects.filter(pk=by_hand.pk).exists()
    assert "not part of the demo" in kept

    load(facilities=SMALL, reset=True, interactive=False)
    assert not Facility.objects.filter(pk=by_hand.pk).exists()
    assert Facility.objects.count() == SMALL


@pytest.mark.django_db
def test_once_skips_when_the_programme_exists():
    load(facilities=SMALL)
    before = counts()

    output = load(once=True)

    assert "nothing done" in output
    assert counts() == before


@pytest.mark.django_db
def test_once_loads_an_empty_database():
    load(once=True, facilities=SMALL)

    assert Programme.objects.filter(slug="hanoi-cp").exists()


@pytest.mark.django_db
def test_a_register_too_small_for_the_demo_is_refused():
    with pytest.raises(CommandError):
        load(facilities=100)


@pytest.mark.django_db
def test_a_small_register_keeps_the_2012_shape():
    load(facilities=SMALL)

    assert Facility.objects.count() == SMALL
    assert 13 <= percent(reached(END_2012), END_2012) <= 17
    assert 5 <= percent(applying(END_2012), END_2012) <= 7
    assert Survey.objects.filter(surveyed_on__year=2012).count() == 30


class DemoShapeTests(TestCase):
    """The default demo, loaded once for all the checks below."""

    @classmethod
    def setUpTestData(cls):
        load(password=[f"{user}={password}" for user, password, _group in DEMO_LOGINS])

    def test_units_begin_and_end(self):
        assert AdministrativeUnit.objects.valid_on(dt.date(2013, 6, 1)).count() == 29
        assert AdministrativeUnit.objects.valid_on(dt.date(2014, 6, 1)).count() == 30
        # Since the 2025 reform: one commune-level unit per former district or town (a demo's simplification).
        after = AdministrativeUnit.objects.valid_on(dt.date(2025, 7, 1))
        assert after.count() == 30 and set(after.values_list("level", flat=True)) == {"commune"}
        gia_lam = AdministrativeUnit.objects.get(name="Xã Gia Lâm")
        assert list(gia_lam.predecessors.values_list("name", flat=True)) == ["Gia Lâm"]
        assert AdministrativeUnit.objects.get(name="Bắc Từ Liêm").predecessors.get().name == "Từ Liêm"
        assert AdministrativeUnit.objects.get(name="Sơn Tây").committee_name == "UBND thị xã Sơn Tây"

    def test_register_size_and_variety(self):
        assert Facility.objects.count() == 3000
        assert 90 <= 100 * Facility.objects.in_scope().count() / 3000 < 100
        assert Facility.objects.filter(closed_on__gt=F("opened_on")).exists()
        assert Facility.objects.filter(opened_on__year__gte=2011, opened_on__year__lte=2015).count() > 100
        assert set(Facility.objects.values_list("kind", flat=True).distinct()) == set(Facility.Kind)

    def test_craft_villages_make_their_craft(self):
        for village, sector in (
            ("Làng gốm Bát Tràng", "Gốm sứ"),
            ("Làng gốm Kim Lan", "Gốm sứ"),
            ("Làng lụa Vạn Phúc", "Dệt may"),
        ):
            in_village = Facility.objects.filter(area__name=village)
            assert in_village.exists()
            assert not in_village.exclude(sector__name=sector).exists()

    def test_tu_liem_facilities_follow_the_split(self):
        successors = ("Bắc Từ Liêm", "Nam Từ Liêm")
        assert not Facility.objects.filter(unit__name="Từ Liêm", opened_on__gte=dt.date(2014, 1, 1)).exists()
        assert not Facility.objects.filter(unit__name__in=successors, opened_on__lt=dt.date(2014, 1, 1)).exists()

    def test_2012_outreach_as_in_the_interview(self):
        activities = OutreachActivity.objects.all()
        assert in_2012(activities, "leaflets").aggregate(n=Sum("quantity"))["n"] == 5000
        assert in_2012(activities, "results_report").count() == 3
        assert in_2012(activities, "symposium").count() == 3
        assert in_2012(activities, "symposium").aggregate(n=Sum("participants"))["n"] > 300
        assert in_2012(activities, "workshop").aggregate(n=Sum("participants"))["n"] > 600
        assert Attendance.objects.filter(activity__held_on__year=2012, activity__kind="symposium").exists()

    def test_no_event_lists_more_people_than_took_part(self):
        overfull = OutreachActivity.objects.annotate(listed=Sum("attendances__people")).filter(
            listed__gt=F("participants")
        )
        assert not overfull.exists()

    def test_2012_surveys_in_quang_minh_tu_liem_and_craft_villages(self):
        surveys = Survey.objects.filter(surveyed_on__year=2012)
        assert surveys.count() == 30
        where = Q(facility__area__name__in=("KCN Quang Minh", "CCN vừa và nhỏ Từ Liêm")) | Q(
            facility__area__kind="craft_village"
        )
        assert not surveys.exclude(where).exists()
        assert not surveys.filter(options__isnull=True).exists()
        assert not surveys.filter(supports__isnull=True).exists()
        assert CPOption.objects.values("category").distinct().count() == 8
        assert CPOption.objects.values("state").distinct().count() == 3

    def test_about_15_percent_reached_by_end_2012(self):
        assert 13 <= percent(reached(END_2012), END_2012) <= 17

    def test_about_6_percent_applying_by_end_2012(self):
        assert 5 <= percent(applying(END_2012), END_2012) <= 7

    def test_applying_facilities_were_reached_first(self):
        assert not applying(END_2015).exclude(pk__in=reached(END_2015)).exists()

    def test_median_saving_in_2012_within_5_to_8_percent(self):
        assert 5 <= median_saving(END_2012) <= 8
        outside = ResourceSaving.objects.exclude(saving_percent__range=(5, 8))
        assert outside.filter(saving_percent__isnull=False).exists()

    def test_the_demo_follows_the_2014_split_and_the_2025_reform(self):
        """Từ Liêm's facilities move to its two halves in 2014 and every district's to its
        commune-level successor in 2025: on any day each facility is in one unit, valid then."""
        for day, present, absent in (
            (dt.date(2013, 6, 30), "Từ Liêm", "Bắc Từ Liêm"),
            (dt.date(2014, 6, 30), "Bắc Từ Liêm", "Từ Liêm"),
            (dt.date(2026, 6, 30), "Phường Bắc Từ Liêm", "Bắc Từ Liêm"),
        ):
            on_day = UnitMembership.objects.filter(member_on_q(day))
            assert on_day.count() == Facility.objects.count()
            # Of the facilities open that day (a later one's first unit may not exist yet):
            on_day = on_day.filter(Q(facility__opened_on__isnull=True) | Q(facility__opened_on__lte=day))
            assert on_day.filter(unit__name=present).exists()
            assert not on_day.filter(unit__name=absent).exists()
            assert not on_day.filter(Q(unit__valid_from__gt=day) | Q(unit__valid_until__lt=day)).exists()

    def test_demonstration_kiln_at_kim_lan(self):
        model = DemonstrationModel.objects.get()
        assert "Đào Viết Bình" in model.host.name
        # In Gia Lâm district when it was built; in the commune that followed since the 2025 reform.
        assert (model.host.area.name, model.host.unit.name) == ("Làng gốm Kim Lan", "Xã Gia Lâm")
        assert model.host.memberships.get(since=None).unit.name == "Gia Lâm"
        assert model.started_on.year == 2012
        replications = model.replications.all()
        assert replications.exists()
        assert not replications.exclude(replicated_on__year__in=(2013, 2014, 2015)).exists()
        assert not replications.exclude(facility__area__name__in=("Làng gốm Kim Lan", "Làng gốm Bát Tràng")).exists()

    def test_specialists_cover_40_percent_of_units_in_2012_and_two_thirds_in_2015(self):
        assert 35 <= specialist_coverage(END_2012) <= 45
        assert 60 <= specialist_coverage(END_2015) <= 70
        assert Specialist.objects.filter(left_on__isnull=False).exists()

    def test_2015_progress_short_of_the_targets(self):
        assert 35 <= percent(reached(END_2015), END_2015) <= 45
        assert 15 <= percent(applying(END_2015), END_2015) <= 20

    def test_programme_phases_and_targets(self):
        programme = Programme.objects.get(slug="hanoi-cp")
        assert list(programme.phases.values_list("name", flat=True)) == ["Đến 2015", "2016–2020"]
        to_2015 = Target.objects.get(phase__name="Đến 2015", indicator="application_with_saving")
        assert (to_2015.target_min, to_2015.saving_min, to_2015.saving_max) == (25, 5, 8)
        saving = Target.objects.get(phase__name="2016–2020", indicator="saving")
        assert (saving.target_min, saving.target_max, saving.deadline) == (8, 13, dt.date(2020, 12, 31))
        assert Target.objects.filter(indicator="specialist_coverage").count() == 1

    def test_demo_users_sign_in_with_their_roles(self):
        for username, password, group in DEMO_LOGINS:
            user = authenticate(username=username, password=password)
            assert user is not None, username
            assert list(user.groups.values_list("name", flat=True)) == [group]
        assert User.objects.get(username="admin").is_superuser
        assert not User.objects.get(username="manager").is_staff
        assert not User.objects.get(username="staff").is_staff  # staff record on /record/, not in the admin

    def test_demo_staff_record_and_managers_only_look(self):
        staff, manager = User.objects.get(username="staff"), User.objects.get(username="manager")
        assert staff.has_perm("programmes.add_survey")
        assert manager.has_perm("facilities.view_facility")
        assert not manager.has_perm("programmes.change_survey")
        assert not manager.has_perm("facilities.change_facility")


# --- A real database by mistake (D1): refused, and accounts are never changed -----------------------


def real_accounts() -> tuple[User, User]:
    """The department's own admin and staff accounts, named as the demo's."""
    admin = User.objects.create_user("admin", "it@congthuong.example.vn", "Real-admin-pass-1", is_staff=True)
    staff = User.objects.create_user("staff", "le.van.a@congthuong.example.vn", "Real-staff-pass-2")
    return admin, staff


def assert_untouched(user: User, password: str) -> None:
    stored = User.objects.get(pk=user.pk)
    assert stored.check_password(password), f"{user.username}'s password was changed"
    assert (stored.is_superuser, stored.is_staff, stored.email) == (user.is_superuser, user.is_staff, user.email)
    assert list(stored.groups.all()) == []


@pytest.mark.django_db
def test_refuses_a_database_with_real_facilities_and_accounts():
    real = builders.facility()
    admin, staff = real_accounts()

    with pytest.raises(CommandError, match="does not look like a demo database"):
        load(once=True, facilities=SMALL)

    assert list(Facility.objects.all()) == [real]
    assert not Programme.objects.exists()
    assert_untouched(admin, "Real-admin-pass-1")
    assert_untouched(staff, "Real-staff-pass-2")
    assert not User.objects.filter(username="manager").exists()


@pytest.mark.django_db
def test_refuses_a_database_with_accounts_only():
    real_accounts()

    with pytest.raises(CommandError, match="--i-know-this-is-not-production"):
        load(facilities=SMALL)

    assert not Facility.objects.exists()


@pytest.mark.django_db
def test_reset_is_refused_on_a_real_database():
    real = builders.facility()

    with pytest.raises(CommandError):
        load(facilities=SMALL, reset=True, interactive=False)

    assert Facility.objects.filter(pk=real.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("override", ["flag", "debug"])
def test_when_told_to_it_loads_but_never_changes_an_existing_account(settings, override):
    admin, staff = real_accounts()
    options = {"not_production": True} if override == "flag" else {}
    settings.DEBUG = override == "debug"

    output = load(facilities=SMALL, **options)

    assert Programme.objects.filter(slug="hanoi-cp").exists()
    assert_untouched(admin, "Real-admin-pass-1")
    assert_untouched(staff, "Real-staff-pass-2")
    assert "Accounts kept as they are" in output and "admin, staff" in output
    manager = User.objects.get(username="manager")  # absent before: created, as a demo user
    assert list(manager.groups.values_list("name", flat=True)) == ["Managers"]


@pytest.mark.django_db
def test_an_account_changed_on_a_demo_database_stays_as_it_is():
    load(facilities=SMALL)
    admin = User.objects.get(username="admin")
    admin.set_password("Changed-pass-9")
    admin.is_superuser = False
    admin.save()

    load(facilities=SMALL)

    stored = User.objects.get(username="admin")
    assert stored.check_password("Changed-pass-9")
    assert not stored.is_superuser


@pytest.mark.django_db
def test_demo_passwords_are_random_and_printed_once():
    output = load(facilities=SMALL)

    for username in ("admin", "manager", "staff"):
        line = next(line for line in output.splitlines() if line.strip().startswith(username + " "))
        password = line.split()[1]
        assert authenticate(username=username, password=password) is not None, username
        assert password not in {"admin-demo-2015", "manager-demo-2015", "staff-demo-2015"}
    assert authenticate(username="admin", password="admin-demo-2015") is None

    again = load(facilities=SMALL)
    assert "Demo users created" not in again


@pytest.mark.django_db
def test_passwords_can_be_chosen():
    output = load(facilities=SMALL, password=["admin=Chosen-pass-7"])

    assert authenticate(username="admin", password="Chosen-pass-7") is not None
    assert "Chosen-pass-7" not in output


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["root=x", "admin", "admin="])
def test_a_password_for_anyone_else_is_refused(value):
    with pytest.raises(CommandError, match="USER=PASSWORD"):
        load(facilities=SMALL, password=[value])
    assert not Facility.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("answer", "deleted"), [("yes", True), ("no", False), (EOFError, False)])
def test_reset_asks_before_deleting(monkeypatch, answer, deleted):
    load(facilities=SMALL)
    by_hand = builders.facility(sector=Sector.objects.first(), unit=AdministrativeUnit.objects.first())
    asked = []

    def reply(question):
        asked.append(question)
        if answer is EOFError:
            raise EOFError
        return answer

    monkeypatch.setattr("builtins.input", reply)
    if deleted:
        load(facilities=SMALL, reset=True)
    else:
        with pytest.raises(CommandError, match="Nothing was deleted"):
            load(facilities=SMALL, reset=True)

    assert "1 facilities" in asked[0]
    assert Facility.objects.filter(pk=by_hand.pk).exists() is not deleted


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="ANALYZE is PostgreSQL's (a no-op on SQLite)")
def test_the_tables_written_are_analysed_at_the_end():
    with CaptureQueriesContext(connection) as queries:
        load(facilities=MIN_FACILITIES)
    statements = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    assert len(statements) == 1
    sqls = [q["sql"] for q in queries.captured_queries]
    last_write = max(i for i, sql in enumerate(sqls) if sql.startswith(("INSERT", "UPDATE", "DELETE")))
    assert sqls.index(statements[0]) > last_write  # after every write
    tables = {table.strip('"') for table in statements[0].removeprefix("ANALYZE ").split(", ")}
    written = {model._meta.db_table for model in DEMO_MODELS if model not in (User, Group)}
    assert written | {FacilityPathway._meta.db_table, SavingStep._meta.db_table} <= tables


def test_the_demo_is_checked_by_the_record_rules_without_a_query():
    """load_demo refuses demo records that break a record rule (the models' clean()), read
    from the objects in memory: no database here, so a query would fail the test."""
    closed = Facility(code="X1", name="Gốm X", opened_on=dt.date(2000, 1, 1), closed_on=dt.date(2012, 1, 1))
    survey = Survey(facility=closed, surveyed_on=dt.date(2011, 6, 1))
    support = TechnicalSupport(survey=survey, kind="technique", given_on=dt.date(2011, 5, 1))
    found = rule_problems([survey, support, Survey(facility=closed, surveyed_on=dt.date(2013, 1, 1))])
    assert found == [
        "technical support “technique — Gốm X (X1) (01/06/2011)”: "
        "Support given on 01/05/2011, before the survey on 01/06/2011.",
        "CP survey “Gốm X (X1) (01/01/2013)”: Gốm X (X1) had closed by 01/01/2013 (it closed on 01/01/2012).",
    ]
