from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.results import Result

from cpdash.admin import ConfirmOnceMixin, FoldedSearchMixin, HistoryAdmin, RecordImportMixin, TypedXLSXExportMixin
from cpdash.concurrency import VersionedModelForm
from cpdash.imports import ImportForm
from facilities.jobs import FACILITY_IMPORT
from facilities.models import AdministrativeUnit, Facility, ProductionArea, Sector, UnitMembership
from facilities.reference_resources import ProductionAreaResource, SectorResource, UnitResource
from facilities.resources import (
    FacilityCSV,
    FacilityFileError,
    FacilityResource,
    FacilityXLSX,
    row_problems,
    template_dataset,
)
from jobs.imports import BackgroundImportMixin


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(FoldedSearchMixin, RecordImportMixin, HistoryAdmin):
    resource_classes = [UnitResource]
    list_display = ("name", "code", "kind", "level", "parent", "committee_name", "valid_from", "valid_until")
    list_filter = ("kind", "valid_until")
    list_select_related = ("parent",)
    ordering = ("name",)
    autocomplete_fields = ("parent",)
    filter_horizontal = ("predecessors",)
    readonly_fields = ("level",)
    fields = (
        "name",
        "code",
        "kind",
        "level",
        "committee_name",
        "parent",
        "predecessors",
        "valid_from",
        "valid_until",
    )


class FacilityAdminForm(VersionedModelForm):
    """The register entry, and the day a changed unit or area took effect."""

    moved_on = forms.DateField(
        label=_("moved on"),
        required=False,
        help_text=_(
            "If you change the unit or the production area: the first day the facility was there. "
            "Its figures before that day stay in the old unit. Empty: the unit or area was wrong, "
            "correct it for the whole time since the facility's last move."
        ),
    )

    class Meta:
        model = Facility
        fields = ("code", "name", "kind", "employees", "sector", "unit", "area", "in_scope", "opened_on", "closed_on")

    def save(self, commit: bool = True) -> Facility:
        self.instance.moved_on = self.cleaned_data.get("moved_on")
        return super().save(commit)


class MembershipInline(admin.TabularInline):
    """Where the facility was, read only: moves are made by changing its unit with a
    "moved on" day, or by a unit's split, merge or end."""

    model = UnitMembership
    fields = ("unit", "area", "since", "until")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = (F("since").asc(nulls_first=True),)
    verbose_name_plural = _("where the facility was")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Sector)
class SectorAdmin(FoldedSearchMixin, RecordImportMixin, HistoryAdmin):
    resource_classes = [SectorResource]
    list_display = ("name",)


@admin.register(ProductionArea)
class ProductionAreaAdmin(FoldedSearchMixin, RecordImportMixin, HistoryAdmin):
    resource_classes = [ProductionAreaResource]
    list_display = ("name", "kind", "unit", "products")
    list_filter = ("kind", "unit")
    list_select_related = ("unit",)


@admin.register(Facility)
class FacilityAdmin(
    BackgroundImportMixin,
    ConfirmOnceMixin,
    TypedXLSXExportMixin,
    FoldedSearchMixin,
    HistoryAdmin,
    ImportExportModelAdmin,
):
    resource_classes = [FacilityResource]
    import_kind = FACILITY_IMPORT  # above IMPORT_BACKGROUND_ROWS rows, a background job
    import_formats = [FacilityCSV, FacilityXLSX]
    import_form_class = ImportForm  # refuses oversized files
    import_template_name = "admin/facilities/facility/import.html"
    list_display = ("code", "name", "sector", "unit", "area", "kind", "employees", "in_scope", "opened_on", "closed_on")
    list_filter = ("in_scope", "kind", "sector", "unit", "area__kind")
    list_select_related = ("sector", "unit", "area")
    autocomplete_fields = ("area",)
    list_per_page = 50
    show_full_result_count = False  # a COUNT(*) over 10^5 rows on every page is not worth it
    form = FacilityAdminForm
    inlines = (MembershipInline,)
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "employees")}),
        (_("Where"), {"fields": ("sector", "unit", "area", "moved_on")}),
        (_("Status"), {"fields": ("in_scope", "opened_on", "closed_on")}),
    )

    # --- Import (see facilities/resources.py and docs/import.md) ---

    def get_urls(self) -> list[URLPattern]:
        template = path(
            "import/template/",
            self.admin_site.admin_view(self.import_template_view),
            name="facilities_facility_import_template",
        )
        return [template, *super().get_urls()]

    def import_template_view(self, request: HttpRequest) -> HttpResponse:
        """The header row and one example row; ``?format=xlsx`` for a workbook, else CSV."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        dataset = template_dataset()
        if request.GET.get("format") == "xlsx":
            body, extension = dataset.export("xlsx"), "xlsx"
            content_type = FacilityXLSX.CONTENT_TYPE
        else:
            # With a BOM, Excel opens the file as UTF-8 and shows the diacritics.
            body, extension = "\ufeff" + dataset.export("csv"), "csv"
            content_type = "text/csv; charset=utf-8"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="facilities-template.{extension}"'
        return response

    def import_action(self, request: HttpRequest, **kwargs) -> HttpResponse:
        """import-export's upload and preview, with every problem listed by row (a large
        file goes to a background job first: BackgroundImportMixin)."""
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse) and response.context_data.get("result"):
            response.context_data["problems"] = row_problems(response.context_data["result"])
        return response

    def add_data_read_fail_error_to_form(self, form, e: Exception) -> None:
        if isinstance(e, FacilityFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_result(self, result: Result, request: HttpRequest) -> HttpResponse:
        """After "Confirm import": the resource rolled back any invalid file
        (data can change after the preview), so say so instead of "finished"."""
        problems = row_problems(result)
        if not problems:
            return super().process_result(result, request)
        listed = "; ".join(str(p) for p in problems[:5])
        messages.error(request, gettext("Nothing was imported: %(problems)s") % {"problems": listed})
        return HttpResponseRedirect(reverse("admin:facilities_facility_import", current_app=self.admin_site.name))
