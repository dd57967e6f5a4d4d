"""Names sorted in the order of the Vietnamese alphabet by the database, on SQLite and PostgreSQL
alike (cpdash.database.in_vietnamese_order(), the collation "vi"): the order of
cpdash.text.vietnamese_key, not the code points' ("Đông Anh" after "Zeta", "Ba Vì" before "Ba Đình").
"""

import functools

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from cpdash.database import VIETNAMESE, compare_vietnamese, in_vietnamese_order
from cpdash.text import vietnamese_key
from facilities.models import AdministrativeUnit, Facility, ProductionArea, Sector
from tests import builders

#: Letters with marks after the bare ones (a ă â, d đ, o ô ơ, u ư), tones after the letters (none,
#: huyền, hỏi, ngã, sắc, nặng), case ignored. By code point every name with Đ, Ư, Ơ, Ă… comes after Z.
NAMES = [
    "Zeta Co",
    "Đông Anh Co",
    "Dệt Co",
    "Ba Vì Co",
    "Ba Đình Co",
    "Cầu Giấy",
    "Chương Mỹ",
    "Hoàng Mai",
    "Hà Đông",
    "Ân Thi",
    "Ăn uống",
    "an Khánh",
    "Ơn Co",
    "ông Co",
    "Uông Bí",
    "Ưu Co",
    "Ma",
    "Mạ",
    "Má",
    "Mã",
    "Mả",
    "Mà",
    "Mai",
    "Công ty 10",
    "Công ty 2",
]
IN_ORDER = sorted(NAMES, key=vietnamese_key)


def test_the_order_is_not_the_code_points():
    assert sorted(NAMES) != IN_ORDER
    assert IN_ORDER.index("Dệt Co") < IN_ORDER.index("Đông Anh Co") < IN_ORDER.index("Zeta Co")
    assert IN_ORDER.index("Ba Đình Co") < IN_ORDER.index("Ba Vì Co")
    assert IN_ORDER[IN_ORDER.index("Ma") : IN_ORDER.index("Mai") + 1] == ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ", "Mai"]


def test_sqlite_compares_as_vietnamese_key():
    assert sorted(NAMES, key=functools.cmp_to_key(compare_vietnamese)) == IN_ORDER
    assert compare_vietnamese("Đông Anh", "Đông Anh") == 0
    assert compare_vietnamese("Đông Anh", "Zeta") < 0 < compare_vietnamese("Zeta", "Đông Anh")


@pytest.mark.django_db
def test_the_database_sorts_names_in_vietnamese_order():
    Sector.objects.bulk_create(Sector(name=name) for name in NAMES)
    names = Sector.objects.values_list("name", flat=True)
    assert list(names.order_by(in_vietnamese_order("name"))) == IN_ORDER
    assert list(names.order_by(in_vietnamese_order("name").desc())) == IN_ORDER[::-1]


@pytest.mark.django_db
def test_names_that_differ_only_in_case_sort_lower_case_first_on_both_databases():
    """ICU's order (PostgreSQL), which SQLite's comparison follows: one order whatever the database."""
    Sector.objects.bulk_create(Sector(name=name) for name in ("BA VÌ", "Ba Vì", "ba vì", "Ba Đình"))
    names = Sector.objects.order_by(in_vietnamese_order("name")).values_list("name", flat=True)
    assert list(names) == ["Ba Đình", "ba vì", "Ba Vì", "BA VÌ"]


@pytest.mark.django_db
def test_the_register_is_listed_by_name_in_vietnamese_order_by_default():
    """Meta.ordering of units, sectors, areas and facilities: the admin's lists and every form
    or relation that does not say otherwise."""
    unit, sector = builders.unit("Zeta"), builders.sector("Zeta")
    for name in NAMES[:6]:
        builders.unit(name)
        builders.sector(name)
        builders.area(name, unit=unit)
        builders.facility(name=name, unit=unit, sector=sector)
    expected = sorted(["Zeta", *NAMES[:6]], key=vietnamese_key)
    assert [u.name for u in AdministrativeUnit.objects.all()] == expected
    assert [s.name for s in Sector.objects.all()] == expected
    assert [a.name for a in ProductionArea.objects.all()] == sorted(NAMES[:6], key=vietnamese_key)
    assert [f.name for f in Facility.objects.all()] == sorted(NAMES[:6], key=vietnamese_key)


@pytest.mark.django_db
def test_a_query_that_also_counts_groups_by_the_name_itself():
    """Not by the collated name: the same groups, and PostgreSQL drops the name of a table whose
    key is grouped by, rather than sorting every joined row by it first."""
    unit = builders.unit()
    for count, name in enumerate(("Zeta Co", "Đông Anh Co", "Dệt Co"), 1):
        sector = builders.sector(name)
        for _ in range(count):
            builders.facility(sector=sector, unit=unit)
    counted = Sector.objects.annotate(facility_count=Count("facilities")).order_by(in_vietnamese_order("name"))
    with CaptureQueriesContext(connection) as queries:
        rows = [(sector.name, sector.facility_count) for sector in counted]
    assert rows == [("Dệt Co", 3), ("Đông Anh Co", 2), ("Zeta Co", 1)]
    group_by = queries[0]["sql"].split("GROUP BY")[1].split("ORDER BY")[0]
    assert "COLLATE" not in group_by


@pytest.mark.django_db(transaction=True)
def test_every_new_connection_knows_the_collation():
    """SQLite's is registered on each connection (CpdashConfig.ready()); PostgreSQL's is in the database."""
    fresh = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with fresh.cursor() as cursor:
            vi = fresh.ops.quote_name(VIETNAMESE)
            cursor.execute(f"SELECT %s < %s COLLATE {vi}, %s < %s COLLATE {vi}", ["Đông", "Zeta", "Ba Đình", "Ba Vì"])
            assert tuple(cursor.fetchone()) == (True, True)
    finally:
        fresh.close()
