from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from import_export.admin import ImportMixin

from cpdash.admin import ConfirmOnceMixin, FoldedSearchMixin, HistoryAdmin
from cpdash.imports import CSVFormat, ImportFileError, ImportForm, XLSXFormat
from jobs.imports import BackgroundImportMixin, ImportKind
from programmes.jobs import RECORD_IMPORTS
from programmes.models import (
    Attendance,
    AwarenessRecord,
    CPOption,
    DemonstrationModel,
    OutreachActivity,
    Phase,
    Programme,
    Replication,
    ResourceSaving,
    Solution,
    Specialist,
    Survey,
    TechnicalSupport,
)
from programmes.resources import (
    OutreachActivityResource,
    RecordResource,
    RecordResult,
    SolutionResource,
    SpecialistResource,
    SurveyResource,
    row_problems,
)


class RecordImportMixin(BackgroundImportMixin, ConfirmOnceMixin, ImportMixin):
    """Import of past records from a spreadsheet (programmes/resources.py,
    docs/import.md): import-export's upload, preview and confirm pages, every
    problem listed by spreadsheet row, and a template to download; a large file
    goes to a background job (programmes/jobs.py)."""

    @property
    def import_kind(self) -> ImportKind:
        return RECORD_IMPORTS[self.record_resource]

    import_formats = [CSVFormat, XLSXFormat]
    import_form_class = ImportForm  # refuses oversized files
    import_template_name = "admin/programmes/import.html"

    @property
    def record_resource(self) -> type[RecordResource]:
        return self.resource_classes[0]

    def get_urls(self) -> list[URLPattern]:
        name = "{}_{}_import_template".format(*self.get_model_info())
        template = path("import/template/", self.admin_site.admin_view(self.import_template_view), name=name)
        return [template, *super().get_urls()]

    def has_import_permission(self, request: HttpRequest) -> bool:
        """Adding and changing every model the import writes (an import also
        updates records it finds again)."""
        return super().has_import_permission(request) and request.user.has_perms(
            self.record_resource.import_permissions()
        )

    def import_template_view(self, request: HttpRequest) -> HttpResponse:
        """The header row and example rows; ``?format=xlsx`` for a workbook, else CSV."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        dataset = self.record_resource.template_dataset()
        if request.GET.get("format") == "xlsx":
            body, extension, content_type = dataset.export("xlsx"), "xlsx", XLSXFormat.CONTENT_TYPE
        else:
            # With a BOM, Excel opens the file as UTF-8 and shows the diacritics.
            body, extension = "\ufeff" + dataset.export("csv"), "csv"
            content_type = "text/csv; charset=utf-8"
        response = HttpResponse(body, content_type=content_type)
        filename = f"{self.opts.model_name}-template.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def get_import_context_data(self, **kwargs) -> dict:
        return {**super().get_import_context_data(**kwargs), "import_notes": self.record_resource.notes}

    def import_action(self, request: HttpRequest, **kwargs) -> HttpResponse:
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse) and response.context_data.get("result"):
            result = response.context_data["result"]
            response.context_data["problems"] = row_problems(result, self.record_resource)
        return response

    def add_data_read_fail_error_to_form(self, form, e: Exception) -> None:
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_result(self, result: RecordResult, request: HttpRequest) -> HttpResponse:
        """After "Confirm import": nothing is written if the file became invalid
        since the preview (data can change meanwhile), so say so."""
        problems = row_problems(result, self.record_resource)
        if not problems:
            return super().process_result(result, request)
        listed = "; ".join(str(p) for p in problems[:5])
        messages.error(request, gettext("Nothing was imported: %(problems)s") % {"problems": listed})
        url = reverse("admin:{}_{}_import".format(*self.get_model_info()), current_app=self.admin_site.name)
        return HttpResponseRedirect(url)

    def generate_log_entries(self, result: RecordResult, request: HttpRequest) -> None:
        """One history entry per record added or changed, not one per row."""
        if self.get_skip_admin_log():
            return
        for objects, flag, message in (
            (result.added, ADDITION, gettext("Added by import.")),
            (result.changed, CHANGE, gettext("Changed by import.")),
        ):
            if objects:
                LogEntry.objects.log_actions(request.user.pk, objects, flag, message, single_object=len(objects) == 1)

    def add_success_message(self, result: RecordResult, request: HttpRequest) -> None:
        counts = {"added": len(result.added), "changed": len(result.changed), "records": self.opts.verbose_name_plural}
        message = gettext("Import finished: %(added)d %(records)s added, %(changed)d changed.")
        messages.success(request, message % counts)


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(HistoryAdmin):
    list_display = ("name", "slug", "starts_on", "ends_on")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "slug")
    inlines = [PhaseInline]


@admin.register(Phase)
class PhaseAdmin(HistoryAdmin):
    list_display = ("name", "programme", "starts_on", "ends_on")
    list_filter = ("programme",)
    list_select_related = ("programme",)


@admin.register(Specialist)
class SpecialistAdmin(FoldedSearchMixin, RecordImportMixin, HistoryAdmin):
    resource_classes = [SpecialistResource]
    list_display = ("name", "unit", "position", "appointed_on", "left_on")
    list_filter = ("unit", ("left_on", admin.EmptyFieldListFilter))
    list_select_related = ("unit",)
    date_hierarchy = "appointed_on"


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 1
    autocomplete_fields = ("facility",)


@admin.register(OutreachActivity)
class OutreachActivityAdmin(FoldedSearchMixin, RecordImportMixin, HistoryAdmin):
    resource_classes = [OutreachActivityResource]
    list_display = ("title", "kind", "held_on", "organiser", "unit", "participants", "quantity")
    list_filter = ("kind", "unit")
    list_select_related = ("unit",)
    date_hierarchy = "held_on"
    inlines = [AttendanceInline]


@admin.register(Attendance)
class AttendanceAdmin(HistoryAdmin):
    list_display = ("facility", "activity", "people")
    list_select_related = ("facility", "activity")
    autocomplete_fields = ("facility", "activity")
    search_fields = ("facility__search_text", "activity__search_text")
    show_full_result_count = False


class CPOptionInline(admin.TabularInline):
    model = CPOption
    extra = 1


class TechnicalSupportInline(admin.TabularInline):
    model = TechnicalSupport
    extra = 0


@admin.register(Survey)
class SurveyAdmin(RecordImportMixin, HistoryAdmin):
    resource_classes = [SurveyResource]
    list_display = ("facility", "surveyed_on", "surveyors")
    list_select_related = ("facility",)
    date_hierarchy = "surveyed_on"
    autocomplete_fields = ("facility",)
    search_fields = ("facility__search_text", "surveyors")
    inlines = [CPOptionInline, TechnicalSupportInline]


@admin.register(CPOption)
class CPOptionAdmin(HistoryAdmin):
    list_display = ("description", "category", "state", "survey")
    list_filter = ("category", "state")
    list_select_related = ("survey__facility",)
    autocomplete_fields = ("survey",)


@admin.register(TechnicalSupport)
class TechnicalSupportAdmin(HistoryAdmin):
    list_display = ("survey", "kind", "given_on")
    list_filter = ("kind",)
    list_select_related = ("survey__facility",)
    autocomplete_fields = ("survey",)


class ResourceSavingInline(admin.TabularInline):
    model = ResourceSaving
    extra = 1
    readonly_fields = ("saving_percent",)


@admin.register(Solution)
class SolutionAdmin(RecordImportMixin, HistoryAdmin):
    resource_classes = [SolutionResource]
    list_display = ("description", "facility", "category", "implemented_on", "investment")
    list_filter = ("category",)
    list_select_related = ("facility",)
    date_hierarchy = "implemented_on"
    autocomplete_fields = ("facility", "survey", "demonstration")
    search_fields = ("facility__search_text", "description")
    inlines = [ResourceSavingInline]


@admin.register(ResourceSaving)
class ResourceSavingAdmin(HistoryAdmin):
    list_display = ("solution", "resource", "unit", "baseline", "after", "saving_percent")
    list_filter = ("resource", "unit")
    list_select_related = ("solution__facility",)
    readonly_fields = ("saving_percent",)
    autocomplete_fields = ("solution",)


class ReplicationInline(admin.TabularInline):
    model = Replication
    extra = 0
    autocomplete_fields = ("facility",)


@admin.register(DemonstrationModel)
class DemonstrationModelAdmin(FoldedSearchMixin, HistoryAdmin):
    list_display = ("name", "host", "technology", "started_on")
    list_select_related = ("host",)
    autocomplete_fields = ("host",)
    inlines = [ReplicationInline]


@admin.register(Replication)
class ReplicationAdmin(HistoryAdmin):
    list_display = ("model", "facility", "replicated_on")
    list_select_related = ("model", "facility")
    autocomplete_fields = ("model", "facility")


@admin.register(AwarenessRecord)
class AwarenessRecordAdmin(HistoryAdmin):
    list_display = ("facility", "recorded_on", "source")
    list_select_related = ("facility",)
    autocomplete_fields = ("facility",)
    search_fields = ("facility__search_text", "source")
    date_hierarchy = "recorded_on"
