"""The facility filters and the queries behind them, on hand-built registers.

``register`` (as of D = 2015-12-31): one facility per case —
``aware`` (a 2014 workshop), ``applying`` (a 2015 solution, so aware too),
``never`` (no contact), ``later`` (first contact in 2016, after D),
``closed`` (at a 2013 workshop, closed 2014-01-01), ``outside`` (at the
workshop, out of scope).
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import translation

from facilities.models import Facility, ProductionArea
from programmes.models import AwarenessRecord
from targets.facility_filters import (
    FacilityFilter,
    ReachNextFilter,
    facility_register,
    reach_next,
    status_counts,
    with_status,
)
from tests import builders as b

pytestmark = pytest.mark.django_db

D = dt.date(2015, 12, 31)


def build_register() -> SimpleNamespace:
    """The register described in the module docstring (also used by the view tests)."""
    textile, ceramics = b.sector("Dệt may"), b.sector("Gốm sứ")
    gia_lam, ha_dong = b.unit("Gia Lâm"), b.unit("Hà Đông")
    bat_trang = b.area("Bát Tràng", kind=ProductionArea.Kind.CRAFT_VILLAGE, unit=gia_lam)
    zone = b.area("Quang Minh", kind=ProductionArea.Kind.INDUSTRIAL_ZONE, unit=ha_dong)
    household, cooperative = Facility.Kind.HOUSEHOLD, Facility.Kind.COOPERATIVE
    f = SimpleNamespace(
        aware=b.facility(
            code="A001", name="Xưởng gốm Bát Tràng", sector=ceramics, unit=gia_lam, area=bat_trang, kind=household
        ),
        applying=b.facility(code="B002", name="Công ty Dệt Hà Đông", sector=textile, unit=ha_dong, area=zone),
        never=b.facility(code="C003", name="Hợp tác xã Đan Phượng", sector=textile, unit=ha_dong, kind=cooperative),
        later=b.facility(code="D004", name="Cơ sở Vạn Phúc", sector=textile, unit=ha_dong, employees=40),
        closed=b.facility(code="E005", name="Lò vôi cũ", sector=ceramics, unit=gia_lam, closed_on=dt.date(2014, 1, 1)),
        outside=b.facility(code="F006", name="Văn phòng đại diện", sector=ceramics, unit=gia_lam, in_scope=False),
    )
    b.activity([f.closed], held_on=dt.date(2013, 5, 1), title="Hội thảo 2013")
    b.activity([f.aware, f.outside], held_on=dt.date(2014, 5, 1), title="Hội thảo SXSH 2014")
    b.solution(f.applying, implemented_on=dt.date(2015, 3, 1), savings={"energy": (100, 93)})
    AwarenessRecord.objects.create(facility=f.later, recorded_on=dt.date(2016, 2, 1), source="phiếu hỏi")
    f.sectors = SimpleNamespace(textile=textile, ceramics=ceramics)
    f.units = SimpleNamespace(gia_lam=gia_lam, ha_dong=ha_dong)
    f.areas = SimpleNamespace(bat_trang=bat_trang, zone=zone)
    return f


@pytest.fixture
def register() -> SimpleNamespace:
    return build_register()


def codes(params: dict) -> list[str]:
    """Codes of the facilities FacilityFilter keeps for ``params``, in list order."""
    filterset = FacilityFilter(params, queryset=facility_register())
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs.values_list("code", flat=True))


ALL = ["A001", "B002", "C003", "D004", "E005", "F006"]


class TestRegisterFilters:
    def test_no_filter_lists_every_facility_by_code(self, register):
        assert codes({}) == ALL

    @pytest.mark.parametrize(
        ("term", "expected"),
        [
            ("bat trang", ["A001"]),
            ("BÁT TRÀNG", ["A001"]),
            ("Bát  Tràng", ["A001"]),
            ("det", ["B002"]),
            ("dan phuong", ["C003"]),
            ("Đan", ["C003"]),
            ("b002", ["B002"]),
            ("   ", ALL),
            ("nothing like it", []),
        ],
    )
    def test_search_ignores_case_diacritics_and_spacing(self, register, term, expected):
        assert codes({"q": term}) == expected

    def test_sector(self, register):
        assert codes({"sector": register.sectors.textile.pk}) == ["B002", "C003", "D004"]

    def test_unit(self, register):
        assert codes({"unit": register.units.gia_lam.pk}) == ["A001", "E005", "F006"]

    def test_production_area(self, register):
        assert codes({"area": register.areas.bat_trang.pk}) == ["A001"]

    @pytest.mark.parametrize(("kind", "expected"), [("craft_village", ["A001"]), ("industrial_zone", ["B002"])])
    def test_area_type(self, register, kind, expected):
        assert codes({"area_kind": kind}) == expected

    def test_kind(self, register):
        assert codes({"kind": "household"}) == ["A001"]
        assert codes({"kind": "cooperative"}) == ["C003"]

    @pytest.mark.parametrize(("value", "expected"), [("true", ALL[:5]), ("1", ALL[:5]), ("false", ["F006"])])
    def test_in_scope(self, register, value, expected):
        assert codes({"in_scope": value}) == expected

    def test_filters_combine(self, register):
        assert codes({"sector": register.sectors.textile.pk, "q": "ha dong"}) == ["B002"]


class TestStatus:
    """Status on a day, as the indicators count it: in scope and open that day."""

    def test_aware_includes_applying_not_closed_outside_or_later(self, register):
        assert codes({"status": "aware", "as_of": "2015-12-31"}) == ["A001", "B002"]

    def test_applying(self, register):
        assert codes({"status": "applying", "as_of": "2015-12-31"}) == ["B002"]

    def test_never_reached_by_the_day(self, register):
        assert codes({"status": "never_reached", "as_of": "2015-12-31"}) == ["C003", "D004"]

    def test_the_day_moves_the_status(self, register):
        assert codes({"status": "aware", "as_of": "2016-06-30"}) == ["A001", "B002", "D004"]
        assert codes({"status": "applying", "as_of": "2015-02-28"}) == []
        assert codes({"status": "applying", "as_of": "2015-03-01"}) == ["B002"]
        # Before it closed, the closed facility counted (aware since its 2013 workshop).
        assert codes({"status": "aware", "as_of": "2013-12-31"}) == ["E005"]

    def test_default_day_is_today(self, register):
        assert codes({"status": "aware"}) == ["A001", "B002", "D004"]

    def test_status_column(self, register):
        filterset = FacilityFilter({"as_of": "2015-12-31"}, queryset=facility_register())
        assert filterset.is_valid()
        assert dict(filterset.qs.values_list("code", "status")) == {
            "A001": "aware",
            "B002": "applying",
            "C003": "never_reached",
            "D004": "never_reached",
            "E005": "not_counted",
            "F006": "not_counted",
        }

    def test_counts(self, register, django_assert_num_queries):
        with django_assert_num_queries(1):
            counts = status_counts(with_status(facility_register(), D), D)
        assert counts == {"total": 6, "counted": 4, "aware": 2, "applying": 1, "never_reached": 2}

    @pytest.mark.parametrize(
        "day", ["2011-01-01", "2013-12-31", "2015-02-28", "2015-12-31", "2016-06-30", "2030-01-01"]
    )
    def test_the_whole_register_is_counted_on_the_pathway_as_the_join_counts_it(self, register, day):
        moved = Facility.objects.get(code="D004")
        moved.unit, moved.moved_on = b.unit("Moved to"), dt.date(2015, 6, 1)
        moved.save()
        day = dt.date.fromisoformat(day)
        register_list = with_status(facility_register(), day)
        assert not register_list.query.where  # the pathway's count

        joined = status_counts(register_list.filter(pk__isnull=False), day)

        assert status_counts(register_list, day) == joined
        assert joined["total"] == Facility.objects.count()

    def test_bad_day_is_an_error(self, register):
        filterset = FacilityFilter({"as_of": "31/02/2015", "status": "aware"}, queryset=facility_register())
        assert not filterset.is_valid()
        assert "as_of" in filterset.errors

    def test_unknown_status_is_an_error(self, register):
        assert not FacilityFilter({"status": "asleep"}, queryset=facility_register()).is_valid()


class TestSavingReached:
    """``status=saving_reached`` with ``saving_min``, typed as the user's language writes a number:
    B002 saved 7 % of its energy (100 → 93)."""

    @pytest.mark.parametrize(
        ("language", "saving_min", "expected"),
        [
            ("vi", "6,5", ["B002"]),
            ("vi", "7,5", []),
            ("vi", "6.5", ["B002"]),  # the dashboard's links write a point: it groups nothing
            ("vi", "7.5", []),
            ("vi", "7", ["B002"]),
            ("en", "6.5", ["B002"]),
            ("en", "7.5", []),
            ("en", "7,5", []),  # a comma that groups nothing is a decimal mark too
            ("en", "", ["B002"]),  # the default, 5 %
        ],
    )
    def test_the_saving_as_each_language_writes_it(self, register, language, saving_min, expected):
        with translation.override(language):
            assert codes({"status": "saving_reached", "as_of": "2015-12-31", "saving_min": saving_min}) == expected

    @pytest.mark.parametrize(("language", "saving_min"), [("vi", "100,5"), ("vi", "7.500"), ("en", "abc")])
    def test_a_saving_that_is_no_percentage_is_an_error(self, register, language, saving_min):
        with translation.override(language):
            filterset = FacilityFilter(
                {"status": "saving_reached", "saving_min": saving_min}, queryset=facility_register()
            )
            assert not filterset.is_valid()
            assert "saving_min" in filterset.errors


class TestTargetDrillDown:
    """``target``: the facilities behind the target's numerator on ``as_of`` (selectors.records_behind)."""

    def test_awareness_target(self, register):
        target = b.target(indicator="awareness")
        assert codes({"target": target.pk, "as_of": "2015-12-31"}) == ["A001", "B002"]
        assert codes({"target": target.pk, "as_of": "2016-12-31"}) == ["A001", "B002", "D004"]

    def test_application_target(self, register):
        target = b.target(indicator="application", target_min=25)
        assert codes({"target": target.pk, "as_of": "2015-12-31"}) == ["B002"]

    def test_scoped_target(self, register):
        target = b.target(indicator="awareness", sector=register.sectors.ceramics)
        assert codes({"target": target.pk, "as_of": "2015-12-31"}) == ["A001"]

    def test_saving_target(self, register):
        phase = b.phase()
        reaching = b.target(phase, indicator="application_with_saving", saving_min=5, saving_max=8)
        too_high = b.target(phase, indicator="application_with_saving", saving_min=8)
        assert codes({"target": reaching.pk, "as_of": "2015-12-31"}) == ["B002"]
        assert codes({"target": too_high.pk, "as_of": "2015-12-31"}) == []

    def test_other_filters_narrow_further(self, register):
        target = b.target(indicator="awareness")
        assert codes({"target": target.pk, "as_of": "2015-12-31", "kind": "household"}) == ["A001"]

    @pytest.mark.parametrize("value", ["999999", "x"])
    def test_unknown_target_is_an_error(self, register, value):
        assert not FacilityFilter({"target": value}, queryset=facility_register()).is_valid()

    def test_target_counting_units_is_an_error(self, register):
        target = b.target(indicator="specialist_coverage", target_min=70)
        filterset = FacilityFilter({"target": target.pk}, queryset=facility_register())
        assert not filterset.is_valid()
        assert "does not count facilities" in str(filterset.errors["target"])


# --- Who to reach next ---------------------------------------------------------------------------


def build_reach_world() -> SimpleNamespace:
    """As of D. Textile: 1 of 4 aware (25 %) — unit U1 1 of 2 (50 %), unit U2 0 of 2 (0 %).
    Ceramics: 3 of 4 aware (75 %), all in unit U3 (75 %). Not counted anywhere: a closed
    aware facility and an out-of-scope one in U2. Codes run against the expected order."""
    textile, ceramics = b.sector("Dệt may"), b.sector("Gốm sứ")
    u1, u2, u3 = b.unit("U1"), b.unit("U2"), b.unit("U3")
    fac = {}
    for code, sector, unit in [
        ("T1", textile, u1),
        ("R2", textile, u1),
        ("R3", textile, u2),
        ("R4", textile, u2),
        ("C1", ceramics, u3),
        ("C2", ceramics, u3),
        ("C3", ceramics, u3),
        ("R1", ceramics, u3),
    ]:
        fac[code] = b.facility(code=code, sector=sector, unit=unit)
    closed = b.facility(code="X1", sector=textile, unit=u2, closed_on=dt.date(2015, 1, 1))
    outside = b.facility(code="X2", sector=textile, unit=u2, in_scope=False)
    b.activity([fac["T1"], fac["C1"], fac["C2"], fac["C3"], closed], held_on=dt.date(2014, 3, 1))
    return SimpleNamespace(
        facilities=fac, textile=textile, ceramics=ceramics, units=(u1, u2, u3), closed=closed, outside=outside
    )


@pytest.fixture
def reach_world() -> SimpleNamespace:
    return build_reach_world()


class TestReachNext:
    def test_furthest_behind_sector_then_unit_first(self, reach_world):
        rows = list(reach_next(as_of=D).values_list("code", "sector_coverage", "unit_coverage"))
        assert rows == [("R3", 25.0, 0.0), ("R4", 25.0, 0.0), ("R2", 25.0, 50.0), ("R1", 75.0, 75.0)]

    def test_coverage_is_of_the_whole_group_whatever_the_filter(self, reach_world):
        _u1, u2, _u3 = reach_world.units
        rows = list(reach_next(as_of=D, unit_id=u2.pk).values_list("code", "sector_coverage", "unit_coverage"))
        assert rows == [("R3", 25.0, 0.0), ("R4", 25.0, 0.0)]
        assert list(reach_next(as_of=D, sector_id=reach_world.ceramics.pk).values_list("code", flat=True)) == ["R1"]

    def test_before_any_contact_everyone_counted_is_to_reach(self, reach_world):
        rows = list(reach_next(as_of=dt.date(2014, 1, 1)).values_list("code", "sector_coverage", "unit_coverage"))
        # X1 closes later, so it still counts; X2 is out of scope. All at 0 %: by code.
        assert [code for code, *_ in rows] == ["C1", "C2", "C3", "R1", "R2", "R3", "R4", "T1", "X1"]
        assert {coverage for _, *coverages in rows for coverage in coverages} == {0.0}

    def test_rows_name_their_sector_unit_and_area(self, reach_world):
        area = b.area(unit=reach_world.units[0])
        facility = Facility.objects.get(code="R1")
        facility.area = area
        facility.save()  # the pathway follows (programmes/pathway.py): names are read from it
        rows = {f.code: (f.sector_name, f.unit_name, f.area_name) for f in reach_next(as_of=D)}
        expected = {
            f.code: (f.sector.name, f.unit.name, f.area.name if f.area else None)
            for f in Facility.objects.filter(code__in=rows).select_related("sector", "unit", "area")
        }
        assert rows == expected
        assert rows["R1"][2] == area.name
        assert rows["R2"][2] is None

    def test_filter_set(self, reach_world):
        filterset = ReachNextFilter(
            {"as_of": "2015-12-31", "sector": reach_world.textile.pk}, queryset=Facility.objects.none()
        )
        assert filterset.is_valid()
        assert list(filterset.qs.values_list("code", flat=True)) == ["R3", "R4", "R2"]

    def test_area_type_filter(self, reach_world):
        area = b.area(kind=ProductionArea.Kind.INDUSTRIAL_ZONE, unit=reach_world.units[0])
        facility = Facility.objects.get(code="R2")
        facility.area = area
        facility.save()
        filterset = ReachNextFilter({"as_of": "2015-12-31", "area_kind": "industrial_zone"}, queryset=None)
        assert filterset.is_valid()
        assert list(filterset.qs.values_list("code", flat=True)) == ["R2"]

    def test_query_count(self, reach_world, django_assert_num_queries):
        with django_assert_num_queries(3):  # sector coverage, unit coverage, the list
            list(reach_next(as_of=D))
