"""The register versions: what each import of the facility list changed
(facilities.models.RegisterVersion), under /facilities/register-versions/.

Thin views: read the page and the kind, fetch, render. Query counts are fixed,
whatever the number of versions and changes; staff who may see the register
(``facilities.view_facility``) may see them.
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from cpdash.routers import reads_from_replica
from cpdash.tables import PER_PAGE
from facilities.models import CHANGE_FLAGS, Change, RegisterVersion

VIEW = "facilities.view_facility"


def _page(items: QuerySet, request: HttpRequest) -> Page:
    """Page ``?page=`` of PER_PAGE items (the first for a bad number, the last past the end)."""
    return Paginator(items, PER_PAGE).get_page(request.GET.get("page"))


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
@reads_from_replica
def version_list(request: HttpRequest) -> HttpResponse:
    """Every register version, the latest first, with its counts per kind of change."""
    page = _page(RegisterVersion.objects.select_related("imported_by").order_by("-number"), request)
    return render(request, "facilities/register_versions.html", {"page": page, "kinds": list(Change)})


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
@reads_from_replica
def version_detail(request: HttpRequest, number: int) -> HttpResponse:
    """One version's changes, by code; ``?kind=`` (a Change but "unchanged") keeps one
    kind. An unknown kind shows every change."""
    version = get_object_or_404(RegisterVersion.objects.select_related("imported_by"), number=number)
    kind = request.GET.get("kind")
    kind = kind if kind in {k.value for k in CHANGE_FLAGS} else None
    changes = version.changes.select_related("facility", "unit_before", "unit_after", "sector_before", "sector_after")
    if kind:
        changes = changes.filter(**{kind: True})
    context = {
        "version": version,
        "kind": Change(kind) if kind else None,
        "counts": version.counts(),
        "page": _page(changes.order_by("code"), request),
    }
    return render(request, "facilities/register_version.html", context)
