from django.contrib import admin
from django.contrib.auth.models import User

from cpdash.admin import HistoryAdmin, RecordImportMixin, RoleUserAdmin
from programmes.models import Phase
from targets.models import DigestSent, ReportEdition, Target
from targets.resources import TargetResource


class PhaseFilter(admin.RelatedFieldListFilter):
    """Phase choices with their programme in one query (Phase.__str__ shows it)."""

    def field_choices(self, field, request, model_admin):
        return [(phase.pk, str(phase)) for phase in Phase.objects.select_related("programme")]


@admin.register(Target)
class TargetAdmin(RecordImportMixin, HistoryAdmin):
    resource_classes = [TargetResource]
    list_display = (
        "__str__",
        "phase",
        "indicator",
        "target_min",
        "target_max",
        "deadline",
        "baseline_value",
        "evidence",
    )
    list_filter = ("phase__programme", ("phase", PhaseFilter), "indicator", "evidence")
    list_select_related = ("phase__programme",)
    autocomplete_fields = ("sector", "unit_scope")


@admin.register(ReportEdition)
class ReportEditionAdmin(admin.ModelAdmin):
    """Editions are published from the report page and never changed; an admin may delete one
    (the previous edition of the year becomes the one readers see)."""

    list_display = ("year", "number", "as_of", "published_at", "published_by")
    list_filter = ("year",)
    list_select_related = ("published_by",)
    fields = ("year", "number", "as_of", "published_at", "published_by")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DigestSent)
class DigestSentAdmin(admin.ModelAdmin):
    """The monthly digests sent (docs/digest.md): read only; deleting one lets the next run (or
    ``send_digest``) send that manager's digest of that month again."""

    list_display = ("month", "user", "language", "sent_at")
    list_filter = ("month", "language")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    fields = ("month", "user", "language", "sent_at")
    readonly_fields = fields
    date_hierarchy = "month"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# Only a superuser makes or changes a superuser (cpdash.admin.RoleUserAdmin).
admin.site.unregister(User)
admin.site.register(User, RoleUserAdmin)
