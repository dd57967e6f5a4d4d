from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cpdash.admin import FoldedSearchMixin, HistoryAdmin
from cpdash.admin import RecordImportMixin as BaseRecordImportMixin
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
from programmes.reference_resources import PhaseResource, ProgrammeResource
from programmes.resources import (
    OutreachActivityResource,
    SolutionResource,
    SpecialistResource,
    SurveyResource,
)
from programmes.tables import saving_text


class RecordImportMixin(BackgroundImportMixin, BaseRecordImportMixin):
    """Import of past records from a spreadsheet (programmes/resources.py,
    docs/import.md): the import by natural key's pages (cpdash.admin.RecordImportMixin);
    a large file goes to a background job (programmes/jobs.py)."""

    import_template_name = "admin/programmes/import.html"

    @property
    def import_kind(self) -> ImportKind:
        return RECORD_IMPORTS[self.record_resource]


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(BaseRecordImportMixin, HistoryAdmin):
    resource_classes = [ProgrammeResource]
    list_display = ("name", "slug", "starts_on", "ends_on")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "slug")
    inlines = [PhaseInline]


@admin.register(Phase)
class PhaseAdmin(BaseRecordImportMixin, HistoryAdmin):
    resource_classes = [PhaseResource]
    list_display = ("name", "programme", "starts_on", "ends_on")
    list_filter = ("programme",)
    list_select_related = ("programme",)


@admin.register(Specialist)
class SpecialistAdmin(FoldedSearchMixin, RecordImportMixin, HistoryAdmin):
    restores_with_rows = True
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
    restores_with_rows = True
    resource_classes = [OutreachActivityResource]
    list_display = ("title", "kind", "held_on", "organiser", "unit", "participants", "quantity")
    list_filter = ("kind", "unit")
    list_select_related = ("unit",)
    date_hierarchy = "held_on"
    inlines = [AttendanceInline]


@admin.register(Attendance)
class AttendanceAdmin(HistoryAdmin):
    restores_with_rows = True
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
    restores_with_rows = True
    resource_classes = [SurveyResource]
    list_display = ("facility", "surveyed_on", "surveyors")
    list_select_related = ("facility",)
    date_hierarchy = "surveyed_on"
    autocomplete_fields = ("facility",)
    search_fields = ("facility__search_text", "surveyors")
    inlines = [CPOptionInline, TechnicalSupportInline]


@admin.register(CPOption)
class CPOptionAdmin(HistoryAdmin):
    restores_with_rows = True
    list_display = ("description", "category", "state", "survey")
    list_filter = ("category", "state")
    list_select_related = ("survey__facility",)
    autocomplete_fields = ("survey",)


@admin.register(TechnicalSupport)
class TechnicalSupportAdmin(HistoryAdmin):
    restores_with_rows = True
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
    restores_with_rows = True
    resource_classes = [SolutionResource]
    list_display = ("description", "facility", "category", "implemented_on", "stage", "verified_on", "investment")
    list_filter = ("category", "stage")
    list_select_related = ("facility",)
    date_hierarchy = "implemented_on"
    autocomplete_fields = ("facility", "survey", "demonstration")
    search_fields = ("facility__search_text", "description")
    inlines = [ResourceSavingInline]


@admin.register(ResourceSaving)
class ResourceSavingAdmin(HistoryAdmin):
    restores_with_rows = True
    list_display = ("solution", "resource", "unit", "baseline", "after", "saving", "evidence")
    list_filter = ("resource", "unit", "evidence", "solution__stage")
    list_select_related = ("solution__facility",)
    readonly_fields = ("saving_percent",)
    autocomplete_fields = ("solution",)

    @admin.display(description=_("saving (%)"), ordering="saving_percent")
    def saving(self, saving: ResourceSaving) -> str:
        """The saving, marked when only reported: "6.0% (reported, no measured baseline)"."""
        if saving.saving_percent is None:
            return "—"
        return saving_text(saving.saving_percent, reported=not saving.has_measured_baseline)


class ReplicationInline(admin.TabularInline):
    model = Replication
    extra = 0
    autocomplete_fields = ("facility",)


@admin.register(DemonstrationModel)
class DemonstrationModelAdmin(FoldedSearchMixin, HistoryAdmin):
    restores_with_rows = True
    list_display = ("name", "host", "technology", "started_on")
    list_select_related = ("host",)
    autocomplete_fields = ("host",)
    inlines = [ReplicationInline]


@admin.register(Replication)
class ReplicationAdmin(HistoryAdmin):
    restores_with_rows = True
    list_display = ("model", "facility", "replicated_on")
    list_select_related = ("model", "facility")
    autocomplete_fields = ("model", "facility")


@admin.register(AwarenessRecord)
class AwarenessRecordAdmin(HistoryAdmin):
    restores_with_rows = True
    list_display = ("facility", "recorded_on", "source")
    list_select_related = ("facility",)
    autocomplete_fields = ("facility",)
    search_fields = ("facility__search_text", "source")
    date_hierarchy = "recorded_on"
