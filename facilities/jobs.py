"""The facility-list import as a background job (jobs.imports): an admin upload of more
than settings.IMPORT_BACKGROUND_ROWS rows is checked, confirmed and imported by the worker
with the same FacilityResource, rules and messages as the import in the request."""

from django.utils.translation import gettext, gettext_lazy
from import_export.results import Result, RowResult

from facilities.resources import FacilityResource, row_problems
from jobs.imports import ImportKind


def _summary(result: Result) -> dict:
    return {
        gettext("new facilities"): result.totals[RowResult.IMPORT_TYPE_NEW],
        gettext("facilities updated"): result.totals[RowResult.IMPORT_TYPE_UPDATE],
        gettext("rows unchanged or blank"): result.totals[RowResult.IMPORT_TYPE_SKIP],
    }


FACILITY_IMPORT = ImportKind(
    name="facilities.import",
    title=gettext_lazy("Facility list"),
    resource=lambda progress: FacilityResource(progress=progress, html_diff=False),
    problems=row_problems,
    summary=_summary,
    permissions=("facilities.import_facility",),
)
