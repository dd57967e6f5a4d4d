import datetime
import json
import os

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.results import Result

from cpdash.admin import (
    ConfirmOnceMixin,
    FoldedSearchMixin,
    HistoryAdmin,
    RecordImportMixin,
    TypedXLSXExportMixin,
    label_import_fields,
)
from cpdash.concurrency import VersionedModelForm
from cpdash.dates import local_day, not_in_future
from cpdash.imports import FORMATS_BY_EXTENSION, ImportFileError, ImportForm, cell_text, normalize_header
from facilities import boundaries, membership
from facilities.jobs import FACILITY_IMPORT
from facilities.models import (
    AdministrativeUnit,
    Facility,
    ProductionArea,
    Sector,
    UnitMembership,
    changes_text,
    register_unit_problem,
)
from facilities.reference_resources import ProductionAreaResource, SectorResource, UnitResource
from facilities.resources import (
    REQUIRED_COLUMNS,
    FacilityCSV,
    FacilityFileError,
    FacilityResource,
    FacilityXLSX,
    column_label,
    row_problems,
    template_dataset,
    template_xlsx,
)
from jobs.imports import BackgroundImportMixin


class ReorganiseForm(forms.Form):
    """Ending units on a day and where their facilities go (facilities.membership.plan())."""

    on = forms.DateField(
        label=_("first day of the new units"),
        help_text=_("The units chosen end the day before; their facilities are in the new units from this day."),
    )
    default = forms.ModelChoiceField(
        queryset=AdministrativeUnit.objects.all(),  # by name (Meta.ordering: the Vietnamese alphabet's order)
        required=False,
        label=_("move the facilities to"),
        help_text=_("The unit that takes every facility the mapping does not list."),
    )
    mapping_file = forms.FileField(
        required=False,
        label=_("mapping of facilities (CSV or XLSX)"),
        help_text=_(
            "Two columns, “code” (the facility's code) and “unit” (the official code or name of its new unit), "
            "for a split."
        ),
    )
    mapping = forms.CharField(widget=forms.HiddenInput, required=False)  # the file, as read at the preview

    def clean(self) -> dict:
        cleaned = super().clean()
        upload = cleaned.get("mapping_file")
        if upload:
            try:
                cleaned["pairs"] = read_mapping(upload.name, upload.read())
            except ImportFileError as error:
                self.add_error("mapping_file", str(error))
        else:
            try:
                cleaned["pairs"] = json.loads(cleaned.get("mapping") or "{}")
            except ValueError:
                cleaned["pairs"] = {}
        return cleaned


class BoundaryUploadForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON file"),
        help_text=_("A FeatureCollection of Polygon or MultiPolygon features, each with the property “code”."),
    )


def read_mapping(name: str, data: bytes) -> dict[str, str]:
    """{facility code: unit} from a CSV or XLSX with columns ``code`` and ``unit``."""
    extension = os.path.splitext(name)[1].lower()
    if extension not in FORMATS_BY_EXTENSION:
        raise ImportFileError(gettext("Upload a .csv or .xlsx file."))
    dataset = FORMATS_BY_EXTENSION[extension]().create_dataset(data)
    headers = [normalize_header(h) for h in dataset.headers or []]
    if "code" not in headers or "unit" not in headers:
        raise ImportFileError(gettext("The mapping needs the columns “code” and “unit”."))
    code, unit = headers.index("code"), headers.index("unit")
    return {cell_text(row[code]): cell_text(row[unit]) for row in dataset if cell_text(row[code])}


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(FoldedSearchMixin, RecordImportMixin, HistoryAdmin):
    resource_classes = [UnitResource]
    actions = ("reorganise",)
    list_display = ("name", "code", "kind", "level", "parent", "committee_name", "valid_from", "valid_until")
    list_filter = ("kind", "valid_until")
    list_select_related = ("parent",)
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
        "grid_row",
        "grid_col",
    )
    import_export_change_list_template = "admin/facilities/administrativeunit/change_list.html"

    @admin.action(description=_("Split, merge or end the selected units on a date"), permissions=("change",))
    def reorganise(self, request: HttpRequest, queryset) -> HttpResponse:
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(f"{reverse('admin:facilities_administrativeunit_reorganise')}?ids={ids}")

    def get_urls(self) -> list[URLPattern]:
        view = path(
            "reorganise/",
            self.admin_site.admin_view(self.reorganise_view),
            name="facilities_administrativeunit_reorganise",
        )
        shapes = path(
            "boundaries/",
            self.admin_site.admin_view(self.boundaries_view),
            name="facilities_administrativeunit_boundaries",
        )
        return [view, shapes, *super().get_urls()]

    def boundaries_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a GeoJSON file of units' boundaries: all stored, or nothing and every problem listed."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = BoundaryUploadForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = b"" if upload.size > boundaries.max_file_size() else upload.read()
            found = boundaries.import_boundaries(data, user=request.user, file_name=upload.name, size=upload.size)
            if not found.problems:
                messages.success(
                    request,
                    gettext("Boundaries stored for %(count)d units; units the file does not name keep theirs.")
                    % {"count": len(found.geometries)},
                )
                return HttpResponseRedirect(reverse("admin:facilities_administrativeunit_changelist"))
            problems = found.problems
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import unit boundaries (GeoJSON)"),
            "form": form,
            "problems": problems,
            "max_size_mb": boundaries.max_file_size() // (1024 * 1024),
            "code_properties": boundaries.CODE_PROPERTIES,
            "with_boundary": AdministrativeUnit.objects.filter(boundary__isnull=False).count(),
        }
        status = 400 if problems or form.errors else 200
        return TemplateResponse(request, "admin/facilities/administrativeunit/boundaries.html", context, status=status)

    def reorganise_view(self, request: HttpRequest) -> HttpResponse:
        """Preview, then apply, the end of the chosen units and the moves of their facilities."""
        if not (self.has_change_permission(request) and request.user.has_perm("facilities.change_facility")):
            raise PermissionDenied
        ids = [int(pk) for pk in request.GET.get("ids", "").split(",") if pk.isdigit()]
        units = list(AdministrativeUnit.objects.filter(pk__in=ids).prefetch_related("successors"))
        if not units:
            return HttpResponseRedirect(reverse("admin:facilities_administrativeunit_changelist"))
        form = ReorganiseForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            result = membership.plan(units, on=data["on"], default=data["default"], mapping=data["pairs"])
            if "apply" in request.POST and not result.problems:
                membership.apply(result)
                moved = sum(len(facility_ids) for facility_ids in result.moves.values())
                messages.success(
                    request,
                    ngettext(
                        "%(units)s ended on %(end)s; %(count)s facility moved from %(start)s.",
                        "%(units)s ended on %(end)s; %(count)s facilities moved from %(start)s.",
                        moved,
                    )
                    % {
                        "units": ", ".join(str(unit) for unit in units),
                        "end": local_day(data["on"] - datetime.timedelta(days=1)),
                        "count": number_format(moved, force_grouping=True),
                        "start": local_day(data["on"]),
                    },
                )
                return HttpResponseRedirect(reverse("admin:facilities_administrativeunit_changelist"))
            form = ReorganiseForm(initial={**data, "mapping": json.dumps(data["pairs"])})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Split, merge or end units"),
            "units": units,
            "form": form,
            "result": result,
        }
        return TemplateResponse(request, "admin/facilities/administrativeunit/reorganise.html", context)


class FacilityAdminForm(VersionedModelForm):
    """The register entry, and the day a changed unit or area took effect."""

    moved_on = forms.DateField(
        label=capfirst(_("moved on")),
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("opened_on", "closed_on"):  # what happened, as the import asks
            self.fields[name].validators.append(not_in_future)

    def clean(self) -> dict:
        """A new facility's unit, or the one it moves to (on ``moved_on``, or corrected), exists
        until the facility's last day in the register (register_unit_problem, as the import checks)."""
        cleaned = super().clean()
        unit, moved_on = cleaned.get("unit"), cleaned.get("moved_on")
        changed = self.instance.pk is None or "unit" in self.changed_data or moved_on is not None
        if unit and changed and "closed_on" not in self.errors:
            problem = register_unit_problem(unit, closed_on=cleaned.get("closed_on"), moved_on=moved_on)
            if problem:
                self.add_error("unit", problem)
        return cleaned

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

    def get_queryset(self, request: HttpRequest):
        # Each row is named by its unit too (UnitMembership.__str__), read with it.
        return super().get_queryset(request).select_related("unit", "area")


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
        """``?format=xlsx``: a workbook in the user's language, with drop-down lists and a notes
        sheet (facilities.resources.template_xlsx); else a CSV of the column names and an example."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.GET.get("format") == "xlsx":
            body, extension = template_xlsx(timezone.localdate()), "xlsx"
            content_type = FacilityXLSX.CONTENT_TYPE
        else:
            # With a BOM, Excel opens the file as UTF-8 and shows the diacritics.
            body, extension = "\ufeff" + template_dataset().export("csv"), "csv"
            content_type = "text/csv; charset=utf-8"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="facilities-template.{extension}"'
        return response

    def get_import_context_data(self, **kwargs) -> dict:
        """The required columns by the names the template gives them in the user's language."""
        columns = ", ".join(column_label(column) for column in REQUIRED_COLUMNS)
        return {**super().get_import_context_data(**kwargs), "required_columns": columns}

    def import_action(self, request: HttpRequest, **kwargs) -> HttpResponse:
        """import-export's upload and preview, with every problem listed by row (a large
        file goes to a background job first: BackgroundImportMixin)."""
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse) and response.context_data.get("result"):
            response.context_data["problems"] = row_problems(response.context_data["result"])
        label_import_fields(response, column_label)
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
            response = super().process_result(result, request)
            version = result.register_version
            messages.info(
                request,
                format_html(
                    '<a href="{}">{}</a>: {}',
                    reverse("register:version", args=[version.number]),
                    capfirst(str(version)),
                    changes_text(result.register_changes),
                ),
            )
            return response
        listed = "; ".join(str(p) for p in problems[:5])
        messages.error(request, gettext("Nothing was imported: %(problems)s") % {"problems": listed})
        return HttpResponseRedirect(reverse("admin:facilities_facility_import", current_app=self.admin_site.name))
