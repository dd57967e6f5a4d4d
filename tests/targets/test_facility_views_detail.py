"""A facility's page: register data, status today, and the timeline of its contacts."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from facilities import membership
from facilities.models import Facility
from programmes.models import AwarenessRecord, CPOption, OutreachActivity, ResourceSaving, TechnicalSupport
from targets.facility_views import timeline
from tests import builders as b
from tests.programmes.conftest import grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer_client(client, staff_user):
    client.force_login(grant(staff_user, "facilities.view_facility"))
    return client


def page(client, facility: Facility) -> str:
    response = client.get(reverse("facilities:detail", args=[facility.code]))
    assert response.status_code == 200
    return response.content.decode()


def text(html: str) -> str:
    """The page's text with tags dropped and spaces collapsed, for phrase checks."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def kiln() -> Facility:
    """Kim Lan's kiln: reached at a symposium, recorded aware, surveyed (options, support),
    a solution with two measured resources, a demonstration model replicated by a
    neighbour, and a model of another host it replicated."""
    area = b.area("Kim Lan")
    kiln = b.facility(code="0101", name="Xưởng gốm Đào Viết Bình", area=area, employees=12)
    neighbour = b.facility(code="0102", name="Xưởng gốm bên cạnh")
    b.activity([kiln], kind=OutreachActivity.Kind.SYMPOSIUM, title="Tọa đàm SXSH 2012", held_on=dt.date(2012, 4, 10))
    AwarenessRecord.objects.create(facility=kiln, recorded_on=dt.date(2012, 5, 2), source="Phiếu khảo sát")
    survey = b.survey(kiln, surveyed_on=dt.date(2012, 6, 1), surveyors="Trung tâm TKNL")
    CPOption.objects.create(survey=survey, category="technology_change", description="Lò nung gas", state="implemented")
    TechnicalSupport.objects.create(survey=survey, kind="technology", given_on=dt.date(2012, 7, 1))
    solution = b.solution(kiln, implemented_on=dt.date(2012, 9, 1), description="Thay lò than bằng lò gas")
    ResourceSaving.objects.create(solution=solution, resource="fuel", unit="t", baseline=2, after="1.85")
    ResourceSaving.objects.create(solution=solution, resource="energy", unit="kWh", baseline=100, after=94)
    b.demonstration(host=kiln, name="Lò gas Kim Lan", started_on=dt.date(2012, 10, 1), replicated_at=[neighbour])
    other = b.demonstration(host=neighbour, name="Mô hình khác", started_on=dt.date(2011, 1, 1))
    other.replications.create(facility=kiln, replicated_on=dt.date(2013, 2, 1))
    return kiln


def test_register_data_and_status_today(viewer_client, kiln):
    html = page(viewer_client, kiln)
    words = text(html)
    assert "Xưởng gốm Đào Viết Bình" in words
    assert "Kim Lan · craft village (làng nghề)" in words  # no parentheses inside parentheses
    assert "Employees 12" in words
    assert "Applying CP (and aware)" in words
    assert "Aware since 10/04/2012" in words  # day first
    assert "Applying since 01/09/2012" in words
    assert "Surveyed since 01/06/2012" in words
    # The largest measured saving: fuel 7.5% (energy 6%).
    assert "7.5% per unit of product" in words


def test_timeline_newest_first_with_details(viewer_client, kiln):
    words = text(page(viewer_client, kiln))
    order = [
        "Replicated a demonstration model — Mô hình khác",
        "Demonstration model hosted — Lò gas Kim Lan",
        "CP solution — Thay lò than bằng lò gas",
        "CP survey — Trung tâm TKNL",
        "Awareness recorded — Phiếu khảo sát",
        "Symposium — Tọa đàm SXSH 2012",
    ]
    positions = [words.index(phrase) for phrase in order]
    assert positions == sorted(positions)
    assert "Lò nung gas (technology change, implemented)" in words
    assert "Technology, 01/07/2012" in words
    assert "Fuel 2 1.85 t 7.5%" in words  # not the column's 1.850000, nor 1.850
    assert "Energy 100 94 kWh 6.0%" in words
    assert "Replicated at Xưởng gốm bên cạnh" in words
    assert "hosted by Xưởng gốm bên cạnh" in words


def test_timeline_in_vietnamese_starts_each_event_with_a_capital_and_groups_people(viewer_client, kiln):
    """The Vietnamese names of a survey and a solution are lower case (they are used inside
    sentences): each event still starts with a capital. A count of people is grouped as
    Vietnamese writes numbers."""
    kiln.attendances.update(people=1200)
    viewer_client.cookies["django_language"] = "vi"
    words = text(page(viewer_client, kiln))
    assert "Giải pháp SXSH — Thay lò than bằng lò gas" in words
    assert "Khảo sát SXSH — Trung tâm TKNL" in words
    assert "1.200 người của cơ sở" in words


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "Energy 1,200 93.5 kWh 92.2%"), ("vi", "Năng lượng 1.200 93,5 kWh 92,2%")],
)
def test_timeline_shows_consumption_as_the_language_writes_numbers(viewer_client, language, shown):
    """A saving's baseline and after are shown as every page writes numbers (cpdash.numbers.plain):
    thousands grouped, without the column's trailing zeros ("93,500" read as ninety-three
    thousand five hundred in English)."""
    facility = b.facility()
    solution = b.solution(facility, implemented_on=dt.date(2013, 3, 1))
    ResourceSaving.objects.create(solution=solution, resource="energy", unit="kWh", baseline=1200, after="93.5")
    viewer_client.cookies["django_language"] = language

    words = text(page(viewer_client, facility))

    assert shown in words


def test_the_units_a_facility_has_been_in_are_listed_when_it_moved(viewer_client, kiln):
    """Kim Lan's kiln moved to Bát Tràng commune on 2025-07-01 (the 2025 reform): the page names
    both units with their days; a facility that never moved shows no such line."""
    commune = b.unit("Bát Tràng", kind="commune", valid_from=dt.date(2025, 7, 1))
    words = text(page(viewer_client, kiln))
    assert "Units over time" not in words
    membership.move([kiln.pk], unit_id=commune.pk, on=dt.date(2025, 7, 1), reason="2025 reform")
    words = text(page(viewer_client, kiln))
    old = kiln.memberships.get(until__isnull=False).unit.name
    assert f"Units over time {old}, Kim Lan (… – 30/06/2025) Bát Tràng (01/07/2025 – …)" in words


def test_timeline_function_orders_by_day():
    kiln = b.facility()
    b.activity([kiln], held_on=dt.date(2014, 1, 1))
    b.solution(kiln, implemented_on=dt.date(2014, 1, 1))
    b.survey(kiln, surveyed_on=dt.date(2015, 1, 1))
    events = timeline(Facility.objects.get(pk=kiln.pk))
    assert [(e.day, e.kind) for e in events] == [
        (dt.date(2015, 1, 1), "survey"),
        (dt.date(2014, 1, 1), "solution"),
        (dt.date(2014, 1, 1), "attendance"),
    ]


def test_facility_never_reached(viewer_client):
    words = text(page(viewer_client, b.facility(name="Chưa gặp")))
    assert "Never reached" in words
    assert "Aware since never" in words
    assert "Saving not measured" in words
    assert "No contact recorded with this facility yet." in words


def test_closed_facility_is_not_counted(viewer_client):
    closed = b.facility(closed_on=dt.date(2014, 1, 1))
    b.activity([closed], held_on=dt.date(2013, 1, 1))
    words = text(page(viewer_client, closed))
    assert "Not counted toward targets" in words
    assert "Aware since 01/01/2013" in words


# --- Query count ----------------------------------------------------------------------------------

#: Savepoint and release, session, user, the user's permissions and their groups' (as for the list),
#: then the facility, attendance, awareness records, surveys, their options, their support,
#: solutions, their savings, demonstration models hosted, their replications, replications,
#: the last changes of its register entry with their users (cpdash.history), and its unit memberships.
DETAIL = 6 + 13


@pytest.mark.parametrize("n", [3, 30])
def test_query_count_does_not_grow_with_the_history(viewer_client, django_assert_num_queries, n):
    facility = b.facility()
    others = [b.facility() for _ in range(2)]
    for i in range(n):
        day = dt.date(2012, 1, 1) + dt.timedelta(days=10 * i)
        b.activity([facility], held_on=day)
        AwarenessRecord.objects.create(facility=facility, recorded_on=day, source="visit")
        survey = b.survey(facility, surveyed_on=day)
        CPOption.objects.create(survey=survey, category="good_housekeeping", description="Tidy")
        TechnicalSupport.objects.create(survey=survey, kind="technique", given_on=day)
        b.solution(facility, implemented_on=day, savings={"energy": (100, 95), "water": (10, 9)})
        b.demonstration(host=facility, started_on=day, replicated_at=others)
        b.demonstration(host=others[0], started_on=day).replications.create(facility=facility, replicated_on=day)
    with django_assert_num_queries(DETAIL):
        response = viewer_client.get(reverse("facilities:detail", args=[facility.code]))
    assert len(response.context["timeline"]) == 6 * n


def test_a_reported_saving_is_marked_and_counted(viewer_client):
    facility = b.facility(code="0103", name="Xưởng dệt")
    solution = b.solution(facility, implemented_on=dt.date(2013, 3, 1), description="Thu hồi nước")
    ResourceSaving.objects.create(solution=solution, resource="water", reported_percent=6)

    words = text(page(viewer_client, facility))

    assert "Water — — — 6.0% (reported, no measured baseline)" in words
    assert "6.0% per unit of product (the largest, measured or reported)" in words


def test_a_support_given_without_a_date_is_listed_without_an_empty_one(viewer_client):
    """The survey form offers a row per kind of support, and a row's date may be left empty: the
    page said "Technique, : advice on kilns"."""
    facility = b.facility()
    survey = b.survey(facility, surveyed_on=dt.date(2015, 3, 1))
    TechnicalSupport.objects.create(survey=survey, kind="technique", given_on=None, description="advice on kilns")
    shown = text(page(viewer_client, facility))
    assert "Technique: advice on kilns" in shown
    assert ", :" not in shown
