"""Table pieces shared by the lists of every app (django-tables2)."""

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import HttpRequest
from django_tables2 import Table

#: Rows per page on every list.
PER_PAGE = 50
#: django-tables2's plain template: the project ships no Bootstrap CSS.
TEMPLATE = "django_tables2/table.html"
#: Where a number is right-aligned.
NUMBER = {"th": {"class": "num"}, "td": {"class": "num"}}


def paginate(table: Table, request: HttpRequest) -> None:
    """Show page ``?page=`` of PER_PAGE rows (the first for a bad page number, the last past the end)."""
    try:
        table.paginate(page=request.GET.get("page") or 1, per_page=PER_PAGE)
    except PageNotAnInteger:
        table.paginate(page=1, per_page=PER_PAGE)
    except EmptyPage:
        table.paginate(page=table.paginator.num_pages, per_page=PER_PAGE)
