import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from facilities.models import AdministrativeUnit, Facility, counted_q
from tests import builders

pytestmark = pytest.mark.django_db

D = dt.date(2014, 3, 1)


def _refused(**kw) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        builders.facility(**kw)


# --- Constraints ---------------------------------------------------------


def test_negative_employees_refused():
    _refused(employees=-1)


def test_zero_employees_accepted():
    assert builders.facility(employees=0).employees == 0


def test_facility_closed_before_opened_refused():
    _refused(opened_on=dt.date(2014, 1, 2), closed_on=dt.date(2014, 1, 1))


def test_facility_closed_on_day_it_opened_accepted():
    obj = builders.facility(opened_on=D, closed_on=D)
    assert obj.pk is not None


def test_facility_closed_with_unknown_opening_accepted():
    assert builders.facility(closed_on=D).pk is not None


def test_duplicate_facility_code_refused():
    builders.facility(code="0101234567")
    _refused(code="0101234567")


def test_empty_facility_code_refused():
    _refused(code="")


def test_empty_facility_name_refused():
    _refused(name="")


def test_unit_valid_until_before_valid_from_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        builders.unit(valid_from=dt.date(2014, 1, 1), valid_until=dt.date(2013, 12, 31))


def test_unit_valid_for_a_single_day_accepted():
    day = dt.date(2014, 1, 1)
    assert builders.unit(valid_from=day, valid_until=day).is_valid_on(day)


def test_duplicate_unit_name_refused():
    builders.unit("Gia Lâm")
    with pytest.raises(IntegrityError), transaction.atomic():
        builders.unit("Gia Lâm")


def test_full_clean_reports_facility_closing_before_opening():
    obj = Facility(
        code="X1",
        name="X",
        sector=builders.sector(),
        unit=builders.unit(),
        opened_on=dt.date(2014, 1, 2),
        closed_on=dt.date(2014, 1, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    assert "A facility cannot close before it opens." in excinfo.value.messages


def test_full_clean_reports_unit_ending_before_it_begins():
    obj = AdministrativeUnit(
        name="Từ Liêm",
        kind=AdministrativeUnit.Kind.RURAL_DISTRICT,
        valid_from=dt.date(2014, 1, 1),
        valid_until=dt.date(2013, 12, 31),
    )
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    assert excinfo.value.messages == ["A unit cannot end before it begins."]


# --- Facility.objects ----------------------------------------------------


def test_open_on_counts_a_facility_opened_that_day():
    obj = builders.facility(opened_on=D)
    assert list(Facility.objects.open_on(D)) == [obj]
    assert not Facility.objects.open_on(D - dt.timedelta(days=1)).exists()
    assert obj.is_open_on(D)


def test_open_on_drops_a_facility_closed_that_day():
    obj = builders.facility(opened_on=dt.date(2010, 1, 1), closed_on=D)
    assert list(Facility.objects.open_on(D - dt.timedelta(days=1))) == [obj]
    assert not Facility.objects.open_on(D).exists()
    assert not obj.is_open_on(D)


def test_open_on_counts_facilities_with_unknown_dates():
    obj = builders.facility()
    assert list(Facility.objects.open_on(dt.date(1990, 1, 1))) == [obj]


def test_in_scope():
    counted = builders.facility(in_scope=True)
    builders.facility(in_scope=False)
    assert list(Facility.objects.in_scope()) == [counted]


def test_open_on_chains_with_in_scope():
    counted = builders.facility(in_scope=True, opened_on=dt.date(2010, 1, 1))
    builders.facility(in_scope=False, opened_on=dt.date(2010, 1, 1))
    builders.facility(in_scope=True, opened_on=dt.date(2010, 1, 1), closed_on=D)
    assert list(Facility.objects.in_scope().open_on(D)) == [counted]


# --- AdministrativeUnit.objects.valid_on ---------------------------------


@pytest.fixture
def tu_liem_split():
    """29 units until 2013-12-31; Từ Liêm then split into two districts: 30."""
    for i in range(28):
        builders.unit(f"Unit {i:02d}", valid_from=dt.date(2008, 8, 1))
    builders.unit("Từ Liêm", valid_from=dt.date(2008, 8, 1), valid_until=dt.date(2013, 12, 31))
    for name in ("Bắc Từ Liêm", "Nam Từ Liêm"):
        builders.unit(name, kind=AdministrativeUnit.Kind.URBAN_DISTRICT, valid_from=dt.date(2014, 1, 1))


def test_valid_on_before_and_after_the_tu_liem_split(tu_liem_split):
    before = AdministrativeUnit.objects.valid_on(dt.date(2013, 12, 31))
    after = AdministrativeUnit.objects.valid_on(dt.date(2014, 1, 1))
    assert before.count() == 29
    assert after.count() == 30
    assert before.filter(name="Từ Liêm").exists()
    assert not after.filter(name="Từ Liêm").exists()
    assert not before.filter(name__endswith="Từ Liêm").exclude(name="Từ Liêm").exists()


def test_valid_on_excludes_units_not_yet_created(tu_liem_split):
    assert AdministrativeUnit.objects.valid_on(dt.date(2008, 7, 31)).count() == 0


def test_is_valid_on_agrees_with_valid_on(tu_liem_split):
    for day in (dt.date(2013, 12, 31), dt.date(2014, 1, 1)):
        in_python = {u.pk for u in AdministrativeUnit.objects.all() if u.is_valid_on(day)}
        assert in_python == set(AdministrativeUnit.objects.valid_on(day).values_list("pk", flat=True))


# --- Searchable ----------------------------------------------------------


def test_search_text_is_filled_on_save():
    obj = builders.facility(code="F-BT-01", name="Xưởng gốm Bát Tràng")
    obj.refresh_from_db()
    assert obj.search_text == "f-bt-01 xuong gom bat trang"


def test_search_text_follows_update_fields_save():
    obj = builders.facility(code="F-DA-01", name="Old name")
    obj.name = "Đông Anh Cơ khí"
    obj.save(update_fields=["name"])
    obj.refresh_from_db()
    assert obj.search_text == "f-da-01 dong anh co khi"
    assert Facility.objects.filter(search_text__icontains="dong anh").get() == obj


def test_search_text_of_a_unit_uses_its_name():
    obj = builders.unit("Đông Anh")
    assert AdministrativeUnit.objects.get(pk=obj.pk).search_text == "dong anh"


def test_str():
    obj = builders.facility(code="0101", name="Gốm Kim Lan")
    assert str(obj) == "Gốm Kim Lan (0101)"
    assert str(obj.unit) == obj.unit.name
    assert str(builders.sector("Cơ khí")) == "Cơ khí"


def test_counted_on_is_in_scope_and_open():
    counted = builders.facility(in_scope=True, opened_on=dt.date(2010, 1, 1))
    builders.facility(in_scope=False, opened_on=dt.date(2010, 1, 1))
    builders.facility(in_scope=True, opened_on=dt.date(2010, 1, 1), closed_on=D)
    builders.facility(in_scope=True, opened_on=D + dt.timedelta(days=1))
    assert list(Facility.objects.counted_on(D)) == [counted]
    assert list(Facility.objects.filter(counted_q(D))) == [counted]
