"""Writing by natural key (cpdash.imports.write_by_key, what load_demo writes with):
new rows inserted, changed ones updated, unchanged ones kept with their ids, the
table's other rows reported and left alone, history entries unless told not to."""

import datetime as dt

import pytest

from cpdash.imports import IMPORT_REASON, write_by_key
from facilities.models import AdministrativeUnit, ProductionArea
from tests import builders

VILLAGE = ProductionArea.Kind.CRAFT_VILLAGE


def built_unit() -> AdministrativeUnit:
    return AdministrativeUnit(
        name="Gia Lâm", kind=AdministrativeUnit.Kind.RURAL_DISTRICT, valid_from=dt.date(2008, 8, 1)
    )


def built_areas(unit: AdministrativeUnit, **products: str) -> list[ProductionArea]:
    return [ProductionArea(name=name, kind=VILLAGE, unit=unit, products=text) for name, text in products.items()]


@pytest.mark.django_db
def test_new_rows_are_inserted_changed_ones_updated_and_unchanged_ones_kept():
    unit = builders.unit("Gia Lâm")
    kept = builders.area("Bát Tràng", unit=unit, products="gốm")
    changed = builders.area("Kim Lan", unit=unit, products="gốm")
    other = builders.area("Vạn Phúc", unit=unit)
    search_text = ProductionArea.objects.get(pk=kept.pk).search_text

    areas = built_areas(unit, **{"Bát Tràng": "gốm", "Kim Lan": "gốm sứ", "Phù Lãng": "gốm"})
    written = write_by_key(ProductionArea, areas, ["name"])

    assert (written.total, written.created, written.updated, written.stale) == (3, 1, 1, [other.pk])
    assert [a.pk for a in areas[:2]] == [kept.pk, changed.pk]
    stored = {a.name: a for a in ProductionArea.objects.all()}
    assert stored["Kim Lan"].products == "gốm sứ"
    assert stored["Phù Lãng"].pk == areas[2].pk
    assert stored["Phù Lãng"].search_text  # filled, although bulk writes skip save()
    assert stored["Bát Tràng"].search_text == search_text
    assert ProductionArea.objects.filter(pk=other.pk).exists()


@pytest.mark.django_db
def test_a_second_write_of_the_same_objects_changes_nothing():
    write_by_key(AdministrativeUnit, [unit := built_unit()], ["name", "kind"])
    write_by_key(ProductionArea, built_areas(unit, **{"Bát Tràng": "gốm"}), ["name"])
    before = list(ProductionArea.objects.values())

    again = write_by_key(ProductionArea, built_areas(unit, **{"Bát Tràng": "gốm"}), ["name"])

    assert (again.created, again.updated, again.stale) == (0, 0, [])
    assert list(ProductionArea.objects.values()) == before


@pytest.mark.django_db
def test_a_relation_to_an_object_written_earlier_takes_its_id():
    unit = built_unit()
    areas = built_areas(unit, **{"Bát Tràng": "gốm"})  # assigned before the unit had an id

    write_by_key(AdministrativeUnit, [unit], ["name", "kind"])
    write_by_key(ProductionArea, areas, ["name"])

    assert ProductionArea.objects.get().unit_id == unit.pk is not None


@pytest.mark.django_db
def test_history_entries_are_written_unless_told_not_to():
    unit = builders.unit("Gia Lâm")
    write_by_key(ProductionArea, built_areas(unit, **{"Bát Tràng": "gốm"}), ["name"])
    write_by_key(ProductionArea, built_areas(unit, **{"Bát Tràng": "gốm sứ"}), ["name"])
    entries = ProductionArea.history.order_by("history_id")
    assert [(e.history_type, e.products, e.history_change_reason) for e in entries] == [
        ("+", "gốm", IMPORT_REASON),
        ("~", "gốm sứ", IMPORT_REASON),
    ]

    write_by_key(ProductionArea, built_areas(unit, **{"Bát Tràng": "gốm", "Kim Lan": ""}), ["name"], history=False)

    assert ProductionArea.history.count() == 2
    assert dict(ProductionArea.objects.values_list("name", "products")) == {"Bát Tràng": "gốm", "Kim Lan": ""}


@pytest.mark.django_db
def test_rows_sharing_a_key_are_reported_but_the_oldest():
    unit = builders.unit("Gia Lâm")
    first = builders.area("Bát Tràng", unit=unit, kind=VILLAGE)
    second = builders.area("Kim Lan", unit=unit, kind=VILLAGE)

    written = write_by_key(ProductionArea, built_areas(unit, **{"Làng": ""}), ["unit", "kind"])

    assert (written.created, written.updated, written.stale) == (0, 1, [second.pk])
    assert ProductionArea.objects.get(pk=first.pk).name == "Làng"


@pytest.mark.django_db
def test_a_key_given_twice_is_refused_before_anything_is_written():
    unit = builders.unit("Gia Lâm")
    twice = [*built_areas(unit, **{"Bát Tràng": "gốm"}), *built_areas(unit, **{"Bát Tràng": "sứ"})]

    with pytest.raises(ValueError, match="given twice"):
        write_by_key(ProductionArea, twice, ["name"])

    assert not ProductionArea.objects.exists()
