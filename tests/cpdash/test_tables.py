"""cpdash/tables.py: the paginator that can be told its count, paging, number columns, the
signatures django-tables2 reads once."""

from unittest.mock import patch

import django_tables2 as tables
import pytest
from django_tables2 import utils as tables_utils

from cpdash.tables import CountedPaginator, NumberColumn, cache_signatures, paginate, sort
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


# --- cache_signatures(): each render method's signature read once ------------------------------


class Cells:
    def render(self, value, record):
        return value

    def render_all(self, value, **kwargs):
        return value

    @classmethod
    def render_class(cls, table, *args):
        return table


def plain(value, bound_column=None):
    return value


class Unhashable:
    __hash__ = None

    def __call__(self, record):
        return record


CALLABLES = [Cells().render, Cells().render_all, Cells.render_class, plain, lambda record, table: record, Unhashable()]


@pytest.mark.parametrize("fn", CALLABLES, ids=["method", "kwargs", "classmethod", "function", "lambda", "unhashable"])
def test_the_cached_signature_is_django_tables2s_own(fn):
    cached = tables_utils.signature
    assert cached.cached  # installed by CpdashConfig.ready()
    assert cached(fn) == cached(fn) == cached.original(fn)


def test_a_method_of_another_instance_is_not_inspected_again():
    first, second = Cells(), Cells()
    tables_utils.signature(first.render)
    with patch("django_tables2.utils.inspect.signature", side_effect=AssertionError("inspected again")):
        assert tables_utils.signature(second.render) == (("value", "record"), None)
        assert tables_utils.call_with_appropriate(second.render, {"value": 3, "record": None, "table": None}) == 3


def test_cells_render_as_before_with_the_cache(sectors):
    table = SectorTable(Sector.objects.order_by("name"))
    assert [row.get_cell("name") for row in table.rows][:2] == ["Sector 00", "Sector 01"]


def test_the_cache_is_installed_once_and_answers_past_its_bound():
    installed = tables_utils.signature
    cache_signatures()
    assert tables_utils.signature is installed
    with patch("cpdash.tables.SIGNATURES_KEPT", 2):
        for _ in range(5):
            fn = lambda value: value  # noqa: E731  (a new callable each time)
            assert installed(fn) == (("value",), None)


# --- sort(): ?sort= as asked, names of no sortable column left out ------------------------------


class SortedTable(tables.Table):
    name = tables.Column()
    fixed = tables.Column(accessor="name", orderable=False)


@pytest.mark.parametrize(
    ("asked", "order"),
    [
        ("-name", ("-name",)),
        ("name", ("name",)),
        ("1.5.5", ()),  # django-tables2 would read it as a path (a DeprecationWarning), and sort by nothing
        ("fixed", ()),  # not sortable
        ("nope,-name", ("-name",)),
        ("", ()),
    ],
)
def test_sort_keeps_only_sortable_columns(sectors, rf, recwarn, asked, order):
    table = SortedTable(Sector.objects.order_by("pk"))
    sort(table, rf.get("/", {"sort": asked}))
    assert tuple(table.order_by or ()) == order
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]
    if order == ("-name",):
        assert [row.record.name for row in table.rows][:2] == ["Sector 06", "Sector 05"]
