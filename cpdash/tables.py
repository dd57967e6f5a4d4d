"""Table pieces shared by the lists of every app (django-tables2)."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest
from django_tables2 import Table

#: Rows per page on every list.
PER_PAGE = 50
#: django-tables2's plain template: the project ships no Bootstrap CSS.
TEMPLATE = "django_tables2/table.html"
#: Where a number is right-aligned.
NUMBER = {"th": {"class": "num"}, "td": {"class": "num"}}


class CountedPaginator(Paginator):
    """A Paginator told how many rows there are (``count``), so that it runs no COUNT query
    of its own; without ``count``, Django's."""

    def __init__(self, object_list, per_page, *args, count: int | None = None, **kwargs) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count  # Paginator.count is a cached_property: this is its value


def paginate(table: Table, request: HttpRequest, count: int | None = None) -> None:
    """Show page ``?page=`` of PER_PAGE rows (the first for a bad page number, the last past the end).
    ``count``: the table's number of rows when the page has counted them already (the
    facility list's summary), which saves the paginator's COUNT of the same rows."""
    options = {"per_page": PER_PAGE, "paginator_class": CountedPaginator, "count": count}
    try:
        table.paginate(page=request.GET.get("page") or 1, **options)
    except PageNotAnInteger:
        table.paginate(page=1, **options)
    except EmptyPage:
        table.paginate(page=table.paginator.num_pages, **options)
