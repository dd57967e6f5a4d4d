"""The past-records imports as background jobs (jobs.imports): an admin upload of more
than settings.IMPORT_BACKGROUND_ROWS rows is checked, confirmed and imported by the worker
with the same resource, rules and messages as the import in the request."""

from django.conf import settings
from django.contrib.auth import get_permission_codename
from django.utils.translation import gettext, gettext_lazy
from import_export.results import Result, RowResult

from jobs.imports import ImportKind
from programmes.resources import (
    OutreachActivityResource,
    RecordResource,
    SolutionResource,
    SpecialistResource,
    SurveyResource,
    row_problems,
)


def _summary(result: Result) -> dict:
    return {
        gettext("rows of new records"): result.totals[RowResult.IMPORT_TYPE_NEW],
        gettext("rows updating stored records"): result.totals[RowResult.IMPORT_TYPE_UPDATE],
        gettext("rows unchanged or blank"): result.totals[RowResult.IMPORT_TYPE_SKIP],
    }


def _import_kind(resource_class: type[RecordResource]) -> ImportKind:
    opts = resource_class.model._meta
    codename = get_permission_codename(settings.IMPORT_EXPORT_IMPORT_PERMISSION_CODE, opts)
    return ImportKind(
        name=f"programmes.import.{opts.model_name}",
        title=resource_class._meta.name,
        # No page shows the rows: the totals and the rows with problems alone (cpdash.imports).
        resource=lambda progress, phase: resource_class(progress=progress, phase=phase, html_diff=False),
        problems=lambda result: row_problems(result, resource_class),
        summary=_summary,
        permissions=(f"{opts.app_label}.{codename}", *resource_class.import_permissions()),
        # The import reads every row, then matches, writes and commits them all.
        finishing=gettext_lazy("Finishing: matching the stored records, then saving the records and the pathway"),
    )


RECORD_IMPORTS = {
    resource: _import_kind(resource)
    for resource in (OutreachActivityResource, SurveyResource, SolutionResource, SpecialistResource)
}
