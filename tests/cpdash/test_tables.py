"""cpdash/tables.py: the paginator that can be told its count, paging, number columns."""

from unittest.mock import patch

import django_tables2 as tables
import pytest

from cpdash.tables import CountedPaginator, NumberColumn, paginate
from facilities.models import Sector

pytestmark = pytest.mark.django_db


@pytest.fixture
def sectors():
    return Sector.objects.bulk_create(Sector(name=f"Sector {i:02d}") for i in range(7))


def test_a_given_count_runs_no_count_query(sectors, django_assert_num_queries):
    paginator = CountedPaginator(Sector.objects.order_by("name"), 3, count=7)
    with django_assert_num_queries(1):  # the page's rows alone
        page = paginator.page(3)
        assert [s.name for s in page.object_list] == ["Sector 06"]
    assert paginator.num_pages == 3


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("", 1), ("2", 2), ("3", 3), ("99", 3), ("0", 1), ("-2", 1), ("x", 1), ("2.5", 1)],
)
def test_paginate_shows_the_first_page_for_a_bad_number_and_the_last_past_the_end(sectors, rf, asked, shown):
    table = SectorTable(Sector.objects.order_by("name"))
    with patch("cpdash.tables.PER_PAGE", 3):
        paginate(table, rf.get("/", {"page": asked}), count=7)
    assert table.page.number == shown
    assert [s.name for s in table.page.object_list.data][:1] == [f"Sector {3 * (shown - 1):02d}"]


class SectorTable(tables.Table):
    name = tables.Column()
    # No order_by: sorted as any column, by its accessor.
    size = NumberColumn(accessor="pk")

    class Meta:
        model = Sector
        fields = ("name",)


def test_a_number_column_without_order_by_sorts_by_its_accessor(sectors):
    table = SectorTable(Sector.objects.all(), order_by="-size")
    assert [row.record.pk for row in table.rows] == sorted((s.pk for s in sectors), reverse=True)
