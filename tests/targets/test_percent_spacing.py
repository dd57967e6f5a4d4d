"""One way to write a percentage: "25,0%" in Vietnamese, "25.0%" in English, no space before
the sign, on every page (the dashboard's units table, who to reach next, a facility's page, the
solutions list and form) and in the tables' cells; and consumptions grouped as the language
writes them ("1.053" in Vietnamese)."""

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from cpdash.roles import MANAGERS, ensure_groups
from programmes.models import ResourceSaving
from programmes.tables import percent, saving_text
from targets.facility_tables import PercentColumn
from targets.tables import CountColumn
from tests import builders as b
from tests.programmes.conftest import grant
from tests.targets.test_number_format import visible_text

#: A figure, then a space (of any kind) before its percent sign.
SPACED = re.compile(r"\d[\s\u00a0\u202f]+%")


@pytest.mark.parametrize(("language", "shown"), [("vi", "2 (25,0%)"), ("en", "2 (25.0%)")])
def test_the_units_table_writes_a_share_without_a_space(language, shown):
    column = CountColumn(status="aware")
    table = SimpleNamespace(as_of=dt.date(2012, 12, 31), scope_query={})
    with translation.override(language):
        cell = column.render(2, SimpleNamespace(pk=1, facility_count=8), table)
    assert f">{shown}</a>" in cell


@pytest.mark.parametrize(("language", "shown"), [("vi", "13,5%"), ("en", "13.5%")])
def test_who_to_reach_next_writes_a_coverage_without_a_space(language, shown):
    with translation.override(language):
        assert PercentColumn().render(13.5) == shown


@pytest.mark.parametrize(
    ("language", "shown", "reported"),
    [
        ("vi", "6,4%", "6,4% (do cơ sở báo cáo, không có giá trị cơ sở đo được)"),
        ("en", "6.4%", "6.4% (reported, no measured baseline)"),
    ],
)
def test_a_saving_is_written_without_a_space(language, shown, reported):
    with translation.override(language):
        assert percent(Decimal("6.35")) == shown
        assert saving_text(Decimal("6.35"), reported=True) == reported


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "measured", "reported"),
    [
        ("vi", "năng lượng: 1.053 → 986 kWh", "nước: 6,4% (do cơ sở báo cáo, không có giá trị cơ sở đo được)"),
        ("en", "energy: 1,053 → 986 kWh", "water: 6.4% (reported, no measured baseline)"),
    ],
)
def test_a_saving_as_text_groups_its_consumptions(language, measured, reported):
    """A saving's name (the admin's titles, its inline on a solution, the history)."""
    solution = b.solution(savings={"energy": (1053, 986)})
    water = ResourceSaving.objects.create(solution=solution, resource="water", reported_percent=Decimal("6.35"))
    energy = solution.savings.get(resource="energy")
    with translation.override(language):
        assert str(energy) == measured
        assert str(water) == reported


@pytest.fixture
def manager_client(client, manager_user):
    ensure_groups()
    manager_user.groups.add(Group.objects.get(name=MANAGERS))
    client.force_login(grant(manager_user, "programmes.change_solution"))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "grouped", "percent_shown"),
    [("vi", "1.053 986", "6,4%"), ("en", "1,053 986", "6.4%")],
)
def test_no_page_writes_a_space_before_a_percent_sign(manager_client, interview_year, language, grouped, percent_shown):
    """The pages of the browser check, in each language; F000's solution saved 1053 → 986 kWh
    (6.4 %) besides the fixture's savings."""
    facility = interview_year.facilities[0]
    solution = b.solution(facility, savings={"water": (1053, 986)}, implemented_on=dt.date(2012, 10, 1))
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    as_of = {"as_of": "2012-12-31"}
    pages = {
        "dashboard": (reverse("targets:dashboard"), {"phase": interview_year.phase.pk, **as_of}),
        "reach next": (reverse("facilities:reach_next"), as_of),
        "facility": (reverse("facilities:detail", args=[facility.code]), {}),
        "solutions": (reverse("programmes:solution_list"), {}),
        "solution form": (reverse("programmes:solution_edit", args=[solution.pk]), {}),
    }
    spaced, texts = {}, {}
    for name, (url, params) in pages.items():
        response = manager_client.get(url, params)
        assert response.status_code == 200, name
        texts[name] = visible_text(response.content.decode())
        found = SPACED.findall(texts[name])
        if found:
            spaced[name] = found
    assert spaced == {}
    assert re.search(r"\(\d+[.,]\d%\)", texts["dashboard"])  # the units table's shares
    assert re.search(r"\d+[.,]\d%", texts["reach next"])
    assert f"{grouped} kWh" in texts["facility"] and f"{percent_shown}" in texts["facility"]
    assert percent_shown in texts["solutions"]
    assert percent_shown in texts["solution form"]
