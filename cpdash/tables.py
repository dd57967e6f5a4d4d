"""Table pieces shared by the lists of every app (django-tables2)."""

import inspect
from collections.abc import Iterable

import django_tables2 as tables
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import formats
from django_tables2 import Table
from django_tables2 import utils as tables_utils

from cpdash.database import in_vietnamese_order

#: Rows per page on every list.
PER_PAGE = 50
#: django-tables2's plain template (the project ships no Bootstrap CSS), whose headers sort from
#: the first page.
TEMPLATE = "cpdash/table.html"
#: Where a number is right-aligned.
NUMBER = {"th": {"class": "num"}, "td": {"class": "num"}}


#: The signatures remembered by cache_signatures(): at most this many callables.
SIGNATURES_KEPT = 1024


def cache_signatures() -> None:
    """Make django-tables2 read each render method's signature once, not once per cell.

    django-tables2 (3.0.1) calls every cell's ``render`` through ``utils.call_with_appropriate``,
    which runs ``inspect.signature`` on it each time: a tenth of the facility list's Python
    time (50 rows). A bound method's arguments (without ``self``) depend on its function
    alone, so they are kept per function; any other callable is kept as itself, at most
    SIGNATURES_KEPT of them (a table can make a lambda per instance). Called once, from
    CpdashConfig.ready(); the test of this file compares it with django-tables2's own.
    """
    original = tables_utils.signature
    if getattr(original, "cached", False):
        return
    kept: dict[object, tuple[tuple[str, ...], str | None]] = {}

    def signature(fn) -> tuple[tuple[str, ...], str | None]:
        key = (fn.__func__, type(fn.__self__)) if inspect.ismethod(fn) else fn
        try:
            return kept[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable callable: asked each time
            return original(fn)
        if len(kept) >= SIGNATURES_KEPT:
            kept.clear()
        kept[key] = found = original(fn)
        return found

    signature.cached = True
    signature.original = original
    tables_utils.signature = signature


class CountedPaginator(Paginator):
    """A Paginator told how many rows there are (``count``), so that it runs no COUNT query
    of its own; without ``count``, Django's."""

    def __init__(self, object_list, per_page, *args, count: int | None = None, **kwargs) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count  # Paginator.count is a cached_property: this is its value


def sort(table: Table, request: HttpRequest) -> None:
    """Sort ``table`` as ``?sort=`` asks: column names, "-" in front for descending, separated
    by commas. A name that is no sortable column of the table (a link edited by hand, "1.5.5")
    is left out rather than handed to django-tables2, which would read it as a path."""
    asked = [key.strip() for key in request.GET.get("sort", "").split(",") if key.strip()]
    kept = [key for key in asked if key.lstrip("-") in table.columns and table.columns[key.lstrip("-")].orderable]
    if kept:
        table.order_by = kept


def paginate(table: Table, request: HttpRequest, count: int | None = None) -> None:
    """Show page ``?page=`` of PER_PAGE rows (the first for a bad page number, the last past the end).
    ``count``: the table's number of rows when the page has counted them already (the
    facility list's summary), which saves the paginator's COUNT of the same rows."""
    options = {"per_page": PER_PAGE, "paginator_class": CountedPaginator, "count": count}
    asked = request.GET.get("page") or 1
    try:
        table.paginate(page=asked, **options)
    except PageNotAnInteger:
        table.paginate(page=1, **options)
    except EmptyPage:
        # A whole number out of range: below 1 is a bad number, above the last is past the end.
        table.paginate(page=1 if int(asked) < 1 else table.paginator.num_pages, **options)


class SortedColumn(tables.Column):
    """A column sorted by expressions over its ``order_by`` keys (give ``order_by`` explicitly:
    without it, the column sorts as any other, django-tables2's order by its accessor).

    ``names``: the keys of ``order_by`` that hold names or other Vietnamese text, sorted in the
    order of the Vietnamese alphabet (cpdash.database.in_vietnamese_order()) on SQLite and
    PostgreSQL alike, not by code point ("Đông Anh" after "Zeta"). With ``nulls_last``, empty
    values sort last both ways (SQLite and PostgreSQL disagree on where NULL goes).

    django-tables2 keeps only the last such column of a sort by several (``?sort=unit,name``)."""

    nulls_last = False

    def __init__(self, *args, names: Iterable[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.names = frozenset(name.replace(".", "__") for name in names)

    def order(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        if not self.order_by:
            return queryset, False
        nulls_last = True if self.nulls_last else None
        keys = []
        for key in self.order_by:
            name = key.bare.replace(".", "__")
            expression = in_vietnamese_order(name) if name in self.names else F(name)
            descending = key.is_descending != is_descending
            keys.append(expression.desc(nulls_last=nulls_last) if descending else expression.asc(nulls_last=nulls_last))
        return queryset.order_by(*keys), True


class NullsLastColumn(SortedColumn):
    """A column whose empty values sort last both ways, on SQLite and PostgreSQL alike
    (they disagree on where NULL goes). Give ``order_by`` explicitly: without it, the column
    sorts as any other (django-tables2's order by its accessor)."""

    nulls_last = True


class NumberColumn(NullsLastColumn):
    """A whole number, right-aligned and grouped ("5,000"); exported as a number."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("attrs", NUMBER)
        super().__init__(*args, **kwargs)

    def render(self, value: int) -> str:
        return formats.number_format(value, force_grouping=True)

    def value(self, value: int) -> int:
        return value
