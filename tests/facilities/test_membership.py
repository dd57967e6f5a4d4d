"""facilities/membership.py: a facility's unit memberships follow its register entry,
moves keep the past, and units end with their facilities moved to the units that follow."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.urls import reverse
from django.utils import translation

from facilities import membership
from facilities.models import AdministrativeUnit, Change, Facility, RegisterChange, UnitMembership
from programmes import pathway
from programmes.models import FacilityPathway
from tests import builders
from tests.facilities.conftest import problems

pytestmark = pytest.mark.django_db

SPLIT = dt.date(2014, 1, 1)


def periods(facility: Facility) -> list[tuple]:
    rows = UnitMembership.objects.filter(facility=facility).order_by(F("since").asc(nulls_first=True))
    return [(m.unit.name, m.since, m.until) for m in rows.select_related("unit")]


@pytest.fixture
def tu_liem():
    old = builders.unit("Từ Liêm", valid_until=SPLIT - dt.timedelta(days=1))
    north = builders.unit("Bắc Từ Liêm", kind=AdministrativeUnit.Kind.URBAN_DISTRICT, valid_from=SPLIT)
    south = builders.unit("Nam Từ Liêm", kind=AdministrativeUnit.Kind.URBAN_DISTRICT, valid_from=SPLIT)
    return old, north, south


def test_a_new_facility_is_in_its_unit_for_all_time():
    facility = builders.facility()
    assert periods(facility) == [(facility.unit.name, None, None)]


# --- A new facility in a unit formed after it opened ----------------------------------

REFORM = dt.date(2025, 7, 1)


@pytest.fixture
def ward(tu_liem):
    """Phường Bắc Từ Liêm (2025) ← Bắc Từ Liêm (2014) ← Từ Liêm; Phường Tây Tựu (2025) formed
    from two districts."""
    old, north, south = tu_liem
    north.predecessors.add(old)
    AdministrativeUnit.objects.filter(pk=north.pk).update(valid_until=REFORM - dt.timedelta(days=1))
    ward = builders.unit("Phường Bắc Từ Liêm", kind=AdministrativeUnit.Kind.WARD, valid_from=REFORM)
    ward.predecessors.add(north)
    two = builders.unit("Phường Tây Tựu", kind=AdministrativeUnit.Kind.WARD, valid_from=REFORM)
    two.predecessors.add(north, south)
    return ward, two


@pytest.mark.parametrize(
    ("opened_on", "expected"),
    [
        (
            dt.date(2012, 5, 1),
            [("Từ Liêm", None, SPLIT), ("Bắc Từ Liêm", SPLIT, REFORM), ("Phường Bắc Từ Liêm", REFORM, None)],
        ),
        (None, [("Từ Liêm", None, SPLIT), ("Bắc Từ Liêm", SPLIT, REFORM), ("Phường Bắc Từ Liêm", REFORM, None)]),
        (dt.date(2016, 5, 1), [("Bắc Từ Liêm", None, REFORM), ("Phường Bắc Từ Liêm", REFORM, None)]),
        (dt.date(2014, 1, 1), [("Bắc Từ Liêm", None, REFORM), ("Phường Bắc Từ Liêm", REFORM, None)]),
        (
            dt.date(2013, 12, 31),
            [("Từ Liêm", None, SPLIT), ("Bắc Từ Liêm", SPLIT, REFORM), ("Phường Bắc Từ Liêm", REFORM, None)],
        ),
        (REFORM, [("Phường Bắc Từ Liêm", None, None)]),
    ],
)
def test_a_new_facility_in_a_unit_formed_after_it_opened_was_in_the_unit_it_was_formed_from(ward, opened_on, expected):
    facility = builders.facility(unit=ward[0], opened_on=opened_on)

    assert periods(facility) == expected
    rows = FacilityPathway.objects.filter(facility=facility).order_by(F("since").asc(nulls_first=True))
    assert [r.unit.name for r in rows] == [unit for unit, _since, _until in expected]


def test_a_unit_formed_from_several_says_nothing_of_before(ward):
    facility = builders.facility(unit=ward[1], opened_on=dt.date(2012, 5, 1))
    assert periods(facility) == [("Phường Tây Tựu", None, None)]


def test_an_import_of_new_facilities_writes_the_same_memberships_as_one_by_one(ward):
    from tests.facilities.test_bulk_import import run

    builders.sector("Gốm sứ")
    row = {
        "code": "W1",
        "name": "Cơ sở W1",
        "sector": "Gốm sứ",
        "unit": "Phường Bắc Từ Liêm",
        "opened_on": "2012-05-01",
    }
    again = {**row, "code": "W2", "opened_on": "", "unit": "Phường Tây Tựu"}

    result = run([row, again])

    assert not result.has_errors() and not result.has_validation_errors()
    assert periods(Facility.objects.get(code="W1")) == [
        ("Từ Liêm", None, SPLIT),
        ("Bắc Từ Liêm", SPLIT, REFORM),
        ("Phường Bắc Từ Liêm", REFORM, None),
    ]
    assert periods(Facility.objects.get(code="W2")) == [("Phường Tây Tựu", None, None)]
    written = sorted(FacilityPathway.objects.values_list("membership_id", "unit_id", "opened_on", "closed_on"))
    pathway.rebuild()
    assert sorted(FacilityPathway.objects.values_list("membership_id", "unit_id", "opened_on", "closed_on")) == written


def _import_ward_rows(*rows: dict):
    from tests.facilities.test_bulk_import import run

    base = {"name": "Cơ sở", "sector": "Gốm sứ", "unit": "Phường Tây Tựu", "opened_on": "2012-05-01"}
    return run([{**base, **row} for row in rows])


def _pathway_is_rebuilt_alike() -> bool:
    written = sorted(FacilityPathway.objects.values_list("membership_id", "unit_id", "opened_on", "closed_on"))
    pathway.rebuild()
    return sorted(FacilityPathway.objects.values_list("membership_id", "unit_id", "opened_on", "closed_on")) == written


@pytest.mark.parametrize(
    ("earlier", "opened_on", "expected"),
    [
        (  # Bắc Từ Liêm was itself formed from Từ Liêm after the facility opened
            "Bắc Từ Liêm",
            "2012-05-01",
            [("Từ Liêm", None, SPLIT), ("Bắc Từ Liêm", SPLIT, REFORM), ("Phường Tây Tựu", REFORM, None)],
        ),
        ("Bắc Từ Liêm", "2016-05-01", [("Bắc Từ Liêm", None, REFORM), ("Phường Tây Tựu", REFORM, None)]),
        ("Nam Từ Liêm", "2012-05-01", [("Nam Từ Liêm", None, REFORM), ("Phường Tây Tựu", REFORM, None)]),
        ("nam tu liem", "", [("Nam Từ Liêm", None, REFORM), ("Phường Tây Tựu", REFORM, None)]),
    ],
)
def test_an_import_says_which_unit_a_facility_was_in_before_its_unit_was_formed_from_several(
    ward, earlier, opened_on, expected
):
    builders.sector("Gốm sứ")

    result = _import_ward_rows({"code": "W1", "opened_on": opened_on, "earlier_unit": earlier}, {"code": "W2"})

    assert not result.has_errors() and not result.has_validation_errors()
    assert periods(Facility.objects.get(code="W1")) == expected
    assert periods(Facility.objects.get(code="W2")) == [("Phường Tây Tựu", None, None)]  # none given: not known
    assert _pathway_is_rebuilt_alike()


def test_a_re_import_gives_a_stored_facility_its_earlier_unit_once(ward):
    builders.sector("Gốm sứ")
    _import_ward_rows({"code": "W1"})
    row = {"code": "W1", "earlier_unit": "Nam Từ Liêm"}

    first = _import_ward_rows(row)
    again = _import_ward_rows(row)

    assert (first.totals["update"], again.totals["skip"]) == (1, 1)
    assert first.register_changes[Change.OTHER] == 1
    assert periods(Facility.objects.get(code="W1")) == [("Nam Từ Liêm", None, REFORM), ("Phường Tây Tựu", REFORM, None)]
    assert _pathway_is_rebuilt_alike()


def _area_periods(code: str) -> list[tuple]:
    rows = UnitMembership.objects.filter(facility__code=code).order_by(F("since").asc(nulls_first=True))
    return [
        (m.unit.name, m.area.name if m.area else None, m.since, m.until) for m in rows.select_related("unit", "area")
    ]


def test_the_earlier_unit_of_a_stored_facility_keeps_the_area_it_had_then(ward):
    builders.sector("Gốm sứ")
    _, tay_tuu = ward
    builders.area("Khu A", unit=tay_tuu)
    builders.area("Khu B", unit=tay_tuu)
    _import_ward_rows({"code": "W1", "production_area": "Khu A"})
    _import_ward_rows({"code": "W1", "production_area": "Khu B"})  # in area B from today
    today = UnitMembership.objects.get(facility__code="W1", until=None).since

    result = _import_ward_rows({"code": "W1", "production_area": "Khu B", "earlier_unit": "Nam Từ Liêm"})

    assert not result.has_errors() and not result.has_validation_errors()
    assert _area_periods("W1") == [
        ("Nam Từ Liêm", "Khu A", None, REFORM),  # where it was then, not where it is now
        ("Phường Tây Tựu", "Khu A", REFORM, today),
        ("Phường Tây Tựu", "Khu B", today, None),
    ]
    assert _pathway_is_rebuilt_alike()


def test_an_earlier_unit_given_with_another_change_is_told_as_other_details_changed(ward):
    builders.sector("Gốm sứ")
    _import_ward_rows({"code": "W1"})

    result = _import_ward_rows({"code": "W1", "closed_on": "2025-08-01", "earlier_unit": "Nam Từ Liêm"})

    assert UnitMembership.objects.filter(facility__code="W1", unit__name="Nam Từ Liêm").exists()
    assert (result.register_changes[Change.CLOSED], result.register_changes[Change.OTHER]) == (1, 1)
    assert RegisterChange.objects.filter(facility__code="W1", closed=True, other=True).exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"earlier_unit": "Từ Liêm"},
            "“Từ Liêm” is not one of the units “Phường Tây Tựu” was formed from: Bắc Từ Liêm, Nam Từ Liêm.",
        ),
        ({"earlier_unit": "Hà Tây"}, "Unknown administrative unit “Hà Tây”."),
        ({"unit": "Nam Từ Liêm", "earlier_unit": "Từ Liêm"}, "“Nam Từ Liêm” was not formed from other units"),
        (
            {"opened_on": "2025-08-01", "earlier_unit": "Nam Từ Liêm"},
            "It opened on 01/08/2025, after “Phường Tây Tựu” was formed on 01/07/2025",
        ),
        (
            {"code": "STORED", "earlier_unit": "Bắc Từ Liêm"},
            "Its unit memberships put it in “Nam Từ Liêm” before 01/07/2025",
        ),
    ],
)
def test_an_earlier_unit_that_says_nothing_or_contradicts_is_refused(ward, row, message):
    builders.sector("Gốm sứ")
    _import_ward_rows({"code": "STORED", "earlier_unit": "Nam Từ Liêm"})
    before = sorted(UnitMembership.objects.values_list("facility_id", "unit_id", "since", "until"))

    with translation.override("en"):
        result = _import_ward_rows({"code": "NEW", **row})

    [(number, column, found)] = problems(result)
    assert (number, column) == (2, "earlier_unit") and message in found
    assert not Facility.objects.filter(code="NEW").exists()
    assert sorted(UnitMembership.objects.values_list("facility_id", "unit_id", "since", "until")) == before


def test_a_move_on_a_day_keeps_the_past_and_a_correction_does_not():
    facility = builders.facility()
    first, second, third = facility.unit, builders.unit("B"), builders.unit("C")

    facility.unit, facility.moved_on = second, dt.date(2015, 3, 1)
    facility.save()
    assert periods(facility) == [(first.name, None, dt.date(2015, 3, 1)), ("B", dt.date(2015, 3, 1), None)]

    facility.unit, facility.moved_on = third, None  # B was a typing slip: it was C
    facility.save()
    assert periods(facility) == [(first.name, None, dt.date(2015, 3, 1)), ("C", dt.date(2015, 3, 1), None)]
    # One pathway row per membership, with the opening and closing narrowed to it.
    rows = FacilityPathway.objects.filter(facility=facility).order_by(F("since").asc(nulls_first=True))
    assert [(r.unit_id, r.opened_on, r.closed_on) for r in rows] == [
        (first.pk, None, dt.date(2015, 3, 1)),
        (third.pk, dt.date(2015, 3, 1), None),
    ]


def test_a_move_on_or_before_the_last_move_corrects_it():
    facility = builders.facility()
    first, second, third = facility.unit, builders.unit("B"), builders.unit("C")
    membership.move([facility.pk], unit_id=second.pk, on=dt.date(2015, 3, 1), reason="test")
    membership.move([facility.pk], unit_id=third.pk, on=dt.date(2015, 3, 1), reason="test")
    assert periods(facility) == [(first.name, None, dt.date(2015, 3, 1)), ("C", dt.date(2015, 3, 1), None)]


def test_move_keeps_an_area_only_if_it_lies_in_the_new_unit():
    village = builders.area()
    facility = builders.facility(unit=village.unit, area=village)
    elsewhere = builders.unit()
    membership.move([facility.pk], unit_id=elsewhere.pk, on=dt.date(2020, 1, 1), reason="test")
    facility.refresh_from_db()
    assert (facility.unit, facility.area) == (elsewhere, None)
    assert list(facility.memberships.order_by("pk").values_list("area", flat=True)) == [village.pk, None]
    assert facility.history.first().history_change_reason == "test"


def test_a_split_moves_the_facilities_by_mapping_and_the_rest_to_one_unit(tu_liem):
    old, north, south = tu_liem
    facilities = [builders.facility(unit=old, code=f"TL{i}") for i in range(3)]
    plan = membership.plan([old], on=SPLIT, default=north, mapping={"TL2": "Nam Từ Liêm"})
    assert plan.problems == []
    assert {unit.name: ids for unit, ids in plan.moves.items()} == {
        "Bắc Từ Liêm": [facilities[0].pk, facilities[1].pk],
        "Nam Từ Liêm": [facilities[2].pk],
    }
    membership.apply(plan)

    old.refresh_from_db()
    assert old.valid_until == dt.date(2013, 12, 31)
    assert set(north.predecessors.all()) == {old} and set(south.predecessors.all()) == {old}
    assert periods(facilities[2]) == [("Từ Liêm", None, SPLIT), ("Nam Từ Liêm", SPLIT, None)]
    assert Facility.objects.get(pk=facilities[0].pk).unit == north


def test_a_plan_says_what_is_wrong_and_apply_refuses_it(tu_liem):
    old, _north, _south = tu_liem
    builders.facility(unit=old, code="TL1")
    builders.facility(unit=old, code="TL2")
    plan = membership.plan([old], on=SPLIT, mapping={"TL1": "Nowhere", "ZZ9": "Bắc Từ Liêm"})
    assert any("ZZ9" in p for p in plan.problems)
    assert any("Nowhere" in p for p in plan.problems)
    assert any("TL1" in p and "TL2" in p for p in plan.problems)  # neither has a unit to go to
    with pytest.raises(ValueError):
        membership.apply(plan)
    old.refresh_from_db()
    assert old.valid_until == dt.date(2013, 12, 31)  # unchanged
    assert not UnitMembership.objects.filter(since=SPLIT).exists()


def test_a_unit_cannot_take_facilities_before_it_exists(tu_liem):
    old, north, _south = tu_liem
    builders.facility(unit=old)
    plan = membership.plan([old], on=dt.date(2013, 6, 1), default=north)
    assert any("did not exist yet" in p for p in plan.problems)


@pytest.mark.parametrize(
    ("language", "formed", "ended"),
    [
        (
            "vi",
            "Bắc Từ Liêm được thành lập ngày 01/01/2014: chỉ có thể kết thúc sau ngày đó.",
            "Từ Liêm đã kết thúc ngày 31/12/2013.",
        ),
        (
            "en",
            "Bắc Từ Liêm was formed on 01/01/2014: it can only end after that day.",
            "Từ Liêm already ended on 31/12/2013.",
        ),
    ],
)
def test_a_plan_writes_its_dates_as_the_language_does(tu_liem, language, formed, ended):
    """Day first, as the reorganise form takes its date, not 2014-01-01."""
    old, north, _south = tu_liem
    with translation.override(language):
        assert membership.plan([north], on=dt.date(2013, 6, 1)).problems == [formed]
        assert membership.plan([old], on=dt.date(2015, 1, 1)).problems == [ended]


def test_sync_is_set_based_and_idempotent():
    facilities = [builders.facility() for _ in range(3)]
    assert membership.sync([f.pk for f in facilities], moved_on=dt.date(2020, 1, 1)) == set()
    assert UnitMembership.objects.count() == 3


def test_ensure_gives_a_membership_to_facilities_written_without_one():
    facility = builders.facility()
    UnitMembership.objects.filter(facility=facility).delete()
    membership.ensure()
    assert periods(facility) == [(facility.unit.name, None, None)]


# --- The admin's "split, merge or end" -------------------------------------------------------------


def test_the_admin_previews_then_applies_a_split_from_an_uploaded_mapping(
    admin_client, tu_liem, django_assert_num_queries
):
    old, north, south = tu_liem
    builders.facility(unit=old, code="TL1")
    builders.facility(unit=old, code="TL2")
    changelist = reverse("admin:facilities_administrativeunit_changelist")
    chosen = admin_client.post(changelist, {"action": "reorganise", "_selected_action": [old.pk]})
    url = chosen["Location"]
    assert url.endswith(f"?ids={old.pk}")
    with django_assert_num_queries(7):  # session, user, unit (+ successors), units of the form's select
        page = admin_client.get(url)
    assert page.status_code == 200 and "Từ Liêm" in page.content.decode()

    mapping = SimpleUploadedFile("map.csv", "code,unit\nTL2,Nam Từ Liêm\n".encode())
    preview = admin_client.post(url, {"on": "2014-01-01", "default": north.pk, "mapping_file": mapping, "preview": 1})
    assert sorted((unit.name, len(ids)) for unit, ids in preview.context["result"].moves.items()) == [
        ("Bắc Từ Liêm", 1),
        ("Nam Từ Liêm", 1),
    ]
    assert not UnitMembership.objects.filter(since=SPLIT).exists()  # a preview writes nothing

    form = preview.context["form"]
    applied = admin_client.post(
        url, {"on": "2014-01-01", "default": north.pk, "mapping": form["mapping"].value(), "apply": 1}
    )
    assert applied.status_code == 302
    assert dict(Facility.objects.values_list("code", "unit__name")) == {"TL1": "Bắc Từ Liêm", "TL2": "Nam Từ Liêm"}
    assert set(south.predecessors.all()) == {old}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("vi", "Từ Liêm kết thúc ngày 31/12/2013; 1 cơ sở đã chuyển sang đơn vị mới từ ngày 01/01/2014."),
        ("en", "Từ Liêm ended on 31/12/2013; 1 facility moved from 01/01/2014."),
    ],
)
def test_the_admin_says_what_it_applied_with_dates_as_the_language_does(admin_client, tu_liem, language, message):
    old, north, _south = tu_liem
    builders.facility(unit=old, code="TL1")
    admin_client.cookies["django_language"] = language
    url = reverse("admin:facilities_administrativeunit_reorganise") + f"?ids={old.pk}"

    applied = admin_client.post(url, {"on": "01/01/2014", "default": north.pk, "mapping": "", "apply": 1}, follow=True)

    assert [str(m) for m in applied.context["messages"]] == [message]


def test_the_reorganise_page_needs_the_right_to_change_facilities(client, staff_user, tu_liem):
    client.force_login(staff_user)
    response = client.get(reverse("admin:facilities_administrativeunit_reorganise") + f"?ids={tu_liem[0].pk}")
    assert response.status_code in (302, 403)


@pytest.mark.parametrize(("language", "written"), [("vi", "31/12/2013"), ("en", "31/12/2013")])
def test_a_membership_and_its_pathway_are_named_by_facility_unit_and_days(tu_liem, language, written):
    """As the admin's delete page lists them (it showed ids: "3001: 18 […, …)")."""
    old, north, _south = tu_liem
    facility = builders.facility(unit=old, code="TL1")
    membership.apply(membership.plan([old], on=dt.date(2014, 1, 1), default=north))
    first, second = UnitMembership.objects.filter(facility=facility).order_by(F("since").asc(nulls_first=True))
    with translation.override(language):
        assert str(first) == f"TL1 · Từ Liêm (… – {written})"
        assert str(second) == f"TL1 · {north.name} (01/01/2014 – …)"
        assert str(second.pathway) == str(second)
