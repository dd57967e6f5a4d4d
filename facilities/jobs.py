"""The facility-list import as a background job (jobs.imports): an admin upload of more
than settings.IMPORT_BACKGROUND_ROWS rows is checked, confirmed and imported by the worker
with the same FacilityResource, rules and messages as the import in the request."""

from django.utils.translation import gettext, gettext_lazy
from import_export.results import Result, RowResult

from facilities.resources import FacilityResource, row_problems
from jobs.imports import ImportKind


def _summary(result: Result) -> dict:
    """What the import does (the check step) or did (the run): the rows, then the
    facilities of each kind of change (facilities.models.Change), then the register
    version written. A facility can change in several ways, so the kinds may add up to
    more than the facilities updated."""
    summary = {
        gettext("new facilities"): result.totals[RowResult.IMPORT_TYPE_NEW],
        gettext("facilities updated"): result.totals[RowResult.IMPORT_TYPE_UPDATE],
        gettext("rows unchanged or blank"): result.totals[RowResult.IMPORT_TYPE_SKIP],
    }
    for kind, count in result.register_changes.items():
        summary[gettext("facilities: %(kind)s") % {"kind": kind.label}] = count
    if result.register_version is not None:
        summary[gettext("register version")] = result.register_version.number
    return summary


FACILITY_IMPORT = ImportKind(
    name="facilities.import",
    title=gettext_lazy("Facility list"),
    resource=lambda progress, phase: FacilityResource(progress=progress, phase=phase, html_diff=False),
    problems=row_problems,
    summary=_summary,
    permissions=("facilities.import_facility",),
    # After its last row the import writes its last chunk and its register version, then commits,
    # where PostgreSQL checks the references of every facility, history entry, change row,
    # membership and pathway row it wrote (most of the time: 50 s of 54 at 200,000 rows),
    # then refreshes the statistics (docs/import.md, "Large files").
    finishing=gettext_lazy("Finishing: saving the facilities with their history, register version and pathway"),
)
