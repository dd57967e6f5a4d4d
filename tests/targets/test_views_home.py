"""The home page (targets.views.home) by role: a manager reads the current phase's summary
as of today; staff their last records and the buttons to record; an admin the imports and
targets. Query counts pinned per role."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from cpdash.roles import ADMINS, MANAGERS, STAFF, ensure_groups
from programmes.models import OutreachActivity, Solution, Survey
from targets.dashboard import current_phase
from tests import builders as b
from tests.targets.conftest import small_world

pytestmark = pytest.mark.django_db


def member(user: User, *groups: str) -> User:
    ensure_groups()
    user.groups.add(*Group.objects.filter(name__in=groups))
    return User.objects.get(pk=user.pk)


def home(client, user: User, django_assert_num_queries=None, queries: int | None = None) -> str:
    client.force_login(user)
    if django_assert_num_queries is None:
        response = client.get(reverse("home"))
    else:
        with django_assert_num_queries(queries):
            response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def created_by(user: User, *records) -> None:
    """As if ``user`` had saved ``records`` on the staff forms (the history's "+" entries)."""
    for record in records:
        type(record).history.filter(id=record.pk, history_type="+").update(history_user=user)


def test_home_requires_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('home')}"


def test_an_outsider_sees_no_role_parts(client, outsider, django_assert_num_queries):
    # session, user, SAVEPOINT, user and group permissions (nav), RELEASE
    page = home(client, outsider, django_assert_num_queries, 6)

    assert outsider.username in page
    assert reverse("admin:index") not in page
    assert 'class="summary"' not in page and "home-records" not in page


def test_a_manager_reads_the_summary_strip_as_of_today(client, manager_user, django_assert_num_queries):
    world = small_world(3)
    manager = member(manager_user, MANAGERS)

    # 6 per request + the phase, its targets, and the figures as of today (fixed by the targets: 3)
    page = home(client, manager, django_assert_num_queries, HOME_MANAGER_QUERIES)

    assert 'class="summary"' in page
    assert str(world.phase) in page
    for name in ("targets:dashboard", "facilities:list", "facilities:reach_next"):
        assert reverse(name) in page
    assert reverse("programmes:survey_create") not in page
    assert reverse("admin:index") not in page


def test_the_manager_query_count_does_not_grow_with_data(client, manager_user, django_assert_num_queries):
    small_world(12)
    manager = member(manager_user, MANAGERS)

    home(client, manager, django_assert_num_queries, HOME_MANAGER_QUERIES)


#: Fixed by the number of targets (small_world's), never by the number of facilities.
HOME_MANAGER_QUERIES = 6 + 5


def test_a_manager_without_a_phase_is_told_so(client, manager_user):
    page = home(client, member(manager_user, MANAGERS))

    assert "No programme phase yet" in page


def test_staff_see_their_recent_records_and_buttons_to_record(client, staff_user, django_assert_num_queries):
    staff = member(staff_user, STAFF)
    other = User.objects.create_user("other")
    facility = b.facility(name="Cơ sở gốm Minh Long")
    survey = b.survey(facility, surveyed_on=dt.date(2024, 5, 2))
    activity = b.activity([facility], title="Hội thảo SXSH ngành gốm")
    solution = b.solution(facility, description="Thu hồi nhiệt lò nung")
    theirs = b.survey(facility, surveyed_on=dt.date(2024, 6, 1))
    created_by(staff, survey, activity, solution)
    created_by(other, theirs)

    # 6 per request + the current phase (staff may read the targets too; there is none) + one per kind of record
    page = home(client, staff, django_assert_num_queries, 6 + 1 + 3)

    assert reverse("programmes:survey_edit", args=[survey.pk]) in page
    assert reverse("programmes:activity_edit", args=[activity.pk]) in page
    assert reverse("programmes:solution_edit", args=[solution.pk]) in page
    assert reverse("programmes:survey_edit", args=[theirs.pk]) not in page
    assert "Hội thảo SXSH ngành gốm" in page
    for name in ("programmes:activity_create", "programmes:survey_create", "programmes:solution_create"):
        assert f'class="button" href="{reverse(name)}"' in page
    assert 'class="summary"' not in page


def test_staff_recent_records_are_the_last_five(client, staff_user):
    staff = member(staff_user, STAFF)
    facility = b.facility()
    surveys = [b.survey(facility, surveyed_on=dt.date(2024, 1, 1 + i)) for i in range(7)]
    created_by(staff, *surveys)
    for i, survey in enumerate(surveys):
        Survey.history.filter(id=survey.pk).update(history_date=timezone.now() - dt.timedelta(hours=10 - i))

    page = home(client, staff)

    shown = [s for s in surveys if reverse("programmes:survey_edit", args=[s.pk]) in page]
    assert shown == surveys[2:]


def test_staff_who_recorded_nothing_are_told_so(client, staff_user):
    page = home(client, member(staff_user, STAFF))

    assert "You have recorded nothing yet." in page


def test_an_admin_sees_the_imports_and_targets(client, outsider, django_assert_num_queries):
    admin = member(outsider, ADMINS)
    admin.is_staff = True
    admin.save()

    page = home(client, admin)

    assert reverse("admin:facilities_facility_import") in page
    assert reverse("admin:targets_target_changelist") in page
    assert reverse("admin:index") in page


def test_a_superuser_sees_every_part(admin_client, django_assert_num_queries):
    # 4 per request (no permission query) + the current phase (none) + one per kind of record
    with django_assert_num_queries(4 + 1 + 3):
        page = admin_client.get(reverse("home")).content.decode()

    assert reverse("admin:facilities_facility_import") in page
    assert reverse("admin:targets_target_changelist") in page
    assert reverse("targets:dashboard") in page
    assert "No programme phase yet" in page and "You have recorded nothing yet." in page


def test_the_current_phase_is_the_one_running_today_else_the_latest_started():
    programme = b.programme()
    today = timezone.localdate()
    assert current_phase(today) is None
    years = [dt.date(today.year + n, 1, 1) for n in range(-10, 3)]
    old = b.phase(programme, name="old", starts_on=years[0], ends_on=years[4])
    assert current_phase(today) == old
    running = b.phase(programme, name="running", starts_on=years[5], ends_on=years[12])
    b.phase(programme, name="later, over", starts_on=years[7], ends_on=years[8])
    b.phase(programme, name="not yet", starts_on=years[11], ends_on=years[12])

    assert current_phase(today) == running


def test_no_records_of_deleted_kinds_are_listed(client, staff_user):
    staff = member(staff_user, STAFF)
    survey = b.survey(b.facility())
    created_by(staff, survey)
    survey.delete()

    page = home(client, staff)

    assert "You have recorded nothing yet." in page
    assert OutreachActivity.objects.count() == Solution.objects.count() == 0
