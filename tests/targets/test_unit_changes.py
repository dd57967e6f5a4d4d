"""Figures as of any date follow the units facilities were in then: Từ Liêm's 2014 split
and the 2025 end of districts, through unit breakdowns, the facility list's unit filter,
drill-downs and the specialist coverage of each level (issue: "True as of any date")."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from cpdash.text import vietnamese_key
from facilities import membership
from facilities.models import AdministrativeUnit
from targets.annual_report import newly_aware_by_sector
from targets.facility_filters import FacilityFilter, facility_register, reach_next, status_counts
from targets.models import Indicator
from targets.selectors import facilities_behind, records_behind, targets_as_of
from tests import builders
from tests.programmes.conftest import grant
from tests.responses import body

pytestmark = pytest.mark.django_db

SPLIT, REFORM = dt.date(2014, 1, 1), dt.date(2025, 7, 1)
DISTRICTS_END = REFORM - dt.timedelta(days=1)
URBAN, WARD = AdministrativeUnit.Kind.URBAN_DISTRICT, AdministrativeUnit.Kind.WARD
BEFORE, BETWEEN, LATER, AFTER = dt.date(2013, 6, 30), dt.date(2014, 6, 30), dt.date(2020, 6, 30), dt.date(2026, 6, 30)


@pytest.fixture
def hanoi():
    """Từ Liêm (three facilities) splits in 2014; its successors and Đông Anh end in 2025,
    when the wards W1 (from both halves) and W2 (from Đông Anh) take their facilities."""
    units = {
        "Từ Liêm": builders.unit("Từ Liêm", valid_until=SPLIT - dt.timedelta(days=1)),
        "Đông Anh": builders.unit("Đông Anh", valid_until=DISTRICTS_END),
        "Bắc Từ Liêm": builders.unit("Bắc Từ Liêm", kind=URBAN, valid_from=SPLIT, valid_until=DISTRICTS_END),
        "Nam Từ Liêm": builders.unit("Nam Từ Liêm", kind=URBAN, valid_from=SPLIT, valid_until=DISTRICTS_END),
        "W1": builders.unit("W1", kind=WARD, valid_from=REFORM),
        "W2": builders.unit("W2", kind=WARD, valid_from=REFORM),
    }
    sector = builders.sector()
    f = {
        name: builders.facility(code=name, unit=units[unit], sector=sector, **extra)
        for name, unit, extra in (
            ("f1", "Từ Liêm", {}),
            ("f2", "Từ Liêm", {}),
            ("f3", "Từ Liêm", {}),
            ("f4", "Đông Anh", {}),
            ("f5", "Đông Anh", {"opened_on": dt.date(2016, 1, 1)}),
        )
    }
    builders.activity([f["f1"], f["f4"]], held_on=dt.date(2012, 6, 1))
    builders.activity([f["f2"]], held_on=dt.date(2015, 6, 1))
    builders.activity([f["f5"]], held_on=dt.date(2016, 6, 1))
    split = membership.plan([units["Từ Liêm"]], on=SPLIT, default=units["Nam Từ Liêm"], mapping={"f1": "Bắc Từ Liêm"})
    membership.apply(split)
    for old, new in ((("Bắc Từ Liêm", "Nam Từ Liêm"), "W1"), (("Đông Anh",), "W2")):
        membership.apply(membership.plan([units[name] for name in old], on=REFORM, default=units[new]))
    awareness = builders.target(indicator=Indicator.AWARENESS, target_min=50)
    return units, f, awareness


#: Per date: unit → (aware, facilities counted), as the memberships of that day place them.
EXPECTED = {
    BEFORE: {"Từ Liêm": (1, 3), "Đông Anh": (1, 1)},
    BETWEEN: {"Bắc Từ Liêm": (1, 1), "Nam Từ Liêm": (0, 2), "Đông Anh": (1, 1)},
    LATER: {"Bắc Từ Liêm": (1, 1), "Nam Từ Liêm": (1, 2), "Đông Anh": (2, 2)},
    AFTER: {"W1": (2, 3), "W2": (2, 2)},
}


@pytest.mark.parametrize("day", list(EXPECTED))
def test_unit_breakdowns_follow_the_units_of_the_day_and_sum_to_the_city(hanoi, day):
    units, _facilities, awareness = hanoi
    (result,) = targets_as_of(targets=[awareness], as_of=day, by="unit")
    names = {unit.pk: name for name, unit in units.items()}
    rows = {names[row.key]: (row.numerator, row.denominator) for row in result.breakdown if row.denominator}
    assert rows == EXPECTED[day]
    assert sum(n for n, _d in rows.values()) == result.numerator
    assert sum(d for _n, d in rows.values()) == result.denominator


@pytest.mark.parametrize("day", list(EXPECTED))
def test_the_unit_filter_and_drill_downs_list_the_facilities_there_that_day(hanoi, day):
    units, _facilities, awareness = hanoi
    for name, (aware, counted) in EXPECTED[day].items():
        unit = units[name]
        listed = FacilityFilter({"unit": unit.pk, "as_of": day.isoformat()}, queryset=facility_register())
        assert listed.is_valid(), listed.errors
        assert status_counts(listed.qs, day)["counted"] == counted  # the list also shows those not open
        aware_there = FacilityFilter(
            {"unit": unit.pk, "as_of": day.isoformat(), "status": "aware"}, queryset=facility_register()
        )
        behind = facilities_behind(indicator=Indicator.AWARENESS, as_of=day, unit_id=unit.pk)
        assert aware_there.qs.count() == behind.count() == aware
        assert set(behind.values_list("pk", flat=True)) <= set(listed.qs.values_list("pk", flat=True))
    # The drill-down of the city's figure lists every facility once.
    everyone = records_behind(target=awareness, as_of=day, denominator=True)
    assert everyone.count() == sum(counted for _aware, counted in EXPECTED[day].values())


#: Per date: the facilities never reached by then (who to reach next), each with its unit that day.
NEVER_REACHED = {
    BEFORE: {"f2": "Từ Liêm", "f3": "Từ Liêm"},
    BETWEEN: {"f2": "Nam Từ Liêm", "f3": "Nam Từ Liêm"},
    LATER: {"f3": "Nam Từ Liêm"},
    AFTER: {"f3": "W1"},
}


@pytest.mark.parametrize("day", list(NEVER_REACHED))
def test_who_to_reach_next_names_the_unit_each_facility_was_in_that_day(hanoi, day):
    """The unit shown is the one the row's unit coverage and the unit filter read, not the
    facility's unit today (W1 for both)."""
    units, _facilities, _awareness = hanoi
    rows = list(reach_next(as_of=day))
    assert {f.code: f.unit_name for f in rows} == NEVER_REACHED[day]
    for name in set(NEVER_REACHED[day].values()):
        there = reach_next(as_of=day, unit_id=units[name].pk)
        assert {f.code for f in there} == {code for code, unit in NEVER_REACHED[day].items() if unit == name}


def test_an_old_unit_lists_nothing_after_it_ended(hanoi):
    units, _facilities, _awareness = hanoi
    listed = FacilityFilter({"unit": units["Từ Liêm"].pk, "as_of": BETWEEN.isoformat()}, queryset=facility_register())
    assert listed.qs.count() == 0


def test_specialist_coverage_counts_the_level_its_target_names(hanoi):
    units, _facilities, awareness = hanoi
    builders.specialist(units["Đông Anh"], appointed_on=dt.date(2012, 1, 1))
    builders.specialist(units["W1"], appointed_on=dt.date(2025, 7, 1))
    district = builders.target(awareness.phase, indicator=Indicator.SPECIALIST_COVERAGE, target_min=70)
    commune = builders.target(
        awareness.phase,
        indicator=Indicator.SPECIALIST_COVERAGE,
        target_min=70,
        unit_level=AdministrativeUnit.Level.COMMUNE,
    )
    at_2013, at_2026 = (
        {r.target_id: (r.numerator, r.denominator) for r in targets_as_of(targets=[district, commune], as_of=day)}
        for day in (BEFORE, AFTER)
    )
    assert at_2013 == {district.pk: (1, 2), commune.pk: (0, 0)}
    assert at_2026 == {district.pk: (0, 0), commune.pk: (1, 2)}


@pytest.mark.parametrize(
    ("year", "newly_aware", "facilities"),
    [(2012, 2, 4), (2014, 0, 4), (2015, 1, 4), (2016, 1, 5), (2025, 0, 5)],
)
def test_the_annual_report_counts_each_facility_once_whatever_units_it_moved_through(
    hanoi, year, newly_aware, facilities
):
    """The report's sectors read the pathway row of the year's last day: f1–f3 have a row per
    unit from 2014 (and the wards' from 2025), each counted once; f5 opens in 2016."""
    (row,) = newly_aware_by_sector(start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    assert (row.numerator, row.denominator) == (newly_aware, facilities)


@pytest.mark.parametrize(
    ("day", "newly_aware"),
    [
        # f1 moved to Bắc Từ Liêm on 2014-01-01, aware since 2012: not new in the year to mid-2014.
        (BETWEEN, 0),
        # f5 opened on 2016-01-01 and was reached that June: the year's one new facility.
        (dt.date(2016, 12, 31), 1),
        # Every facility moved to a ward on 2025-07-01; all four aware ones were aware before.
        (AFTER, 0),
    ],
)
def test_the_current_pace_counts_facilities_newly_aware_not_those_that_moved(hanoi, day, newly_aware):
    """The "current pace per month" is the facilities newly counted in the last 12 months / 12: a
    facility that moved to another unit (a pathway row that starts with the move) was counted
    a year earlier all the same. The dashboard said 79.7 a month after the 2025 reform, every
    aware facility of the demo counted as new."""
    units, _facilities, awareness = hanoi
    w1 = builders.target(awareness.phase, indicator=Indicator.AWARENESS, target_min=50, unit_scope=units["W1"])
    city, ward = targets_as_of(targets=[awareness, w1], as_of=day)
    assert city.current_per_month == round(newly_aware / 12, 1)
    if day == AFTER:
        # W1 took f1–f3 from the two halves of Từ Liêm; f1 and f2, aware since 2012 and 2015, are not new there.
        assert (ward.numerator, ward.current_per_month) == (2, 0.0)


@pytest.fixture
def viewer_client(client, staff_user):
    client.force_login(grant(staff_user, "facilities.view_facility"))
    return client


def test_the_register_list_shows_sorts_and_exports_the_units_of_its_day(hanoi, viewer_client):
    """As of mid-2014 the list names Bắc and Nam Từ Liêm and Đông Anh, where the facilities were then
    (they are all in wards today), as its unit filter reads them; sorted and exported alike."""
    url = reverse("facilities:list")
    params = {"as_of": BETWEEN.isoformat(), "sort": "unit"}
    table = viewer_client.get(url, params).context["table"]
    shown = [(row.record.code, row.get_cell_value("unit")) for row in table.paginated_rows]
    then = {"f1": "Bắc Từ Liêm", "f2": "Nam Từ Liêm", "f3": "Nam Từ Liêm", "f4": "Đông Anh", "f5": "Đông Anh"}
    # By name in the order of the Vietnamese alphabet (Đông Anh before Nam Từ Liêm), then by code.
    assert shown == sorted(then.items(), key=lambda item: (vietnamese_key(item[1]), item[0]))
    exported = list(
        csv.reader(io.StringIO(body(viewer_client.get(url, {**params, "_export": "csv"})).decode("utf-8-sig")))
    )
    column = exported[0].index("Administrative unit")
    assert [(row[0], row[column]) for row in exported[1:]] == shown
    today = viewer_client.get(url, {"as_of": AFTER.isoformat(), "sort": "-unit"}).context["table"]
    assert [row.get_cell_value("unit") for row in today.paginated_rows] == ["W2", "W2", "W1", "W1", "W1"]
