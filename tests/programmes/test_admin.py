"""The admin of programme records (programmes/admin.py)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from programmes.models import ResourceSaving
from tests import builders

pytestmark = pytest.mark.django_db


def test_the_savings_list_marks_a_reported_saving(admin_client):
    solution = builders.solution(savings={"energy": (100, 94)})
    ResourceSaving.objects.create(solution=solution, resource="water", reported_percent=Decimal("6.35"))

    page = admin_client.get(reverse("admin:programmes_resourcesaving_changelist")).content.decode()

    assert "6.4% (reported, no measured baseline)" in page
    assert "6.0%<" in page  # measured: no mark
