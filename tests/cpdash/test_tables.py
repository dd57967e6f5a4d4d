"""cpdash/tables.py: the paginator that can be told its count."""

import pytest
from django.core.paginator import EmptyPage

from cpdash.tables import CountedPaginator
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


def test_without_a_count_it_counts(sectors, django_assert_num_queries):
    paginator = CountedPaginator(Sector.objects.order_by("name"), 3)
    with django_assert_num_queries(1):
        assert paginator.count == 7


def test_the_given_count_decides_the_pages(sectors):
    # The caller's count is believed: told 4 rows, there is no third page of 3.
    paginator = CountedPaginator(Sector.objects.order_by("name"), 3, count=4)
    assert paginator.num_pages == 2
    with pytest.raises(EmptyPage):
        paginator.page(3)
