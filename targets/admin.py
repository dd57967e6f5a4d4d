from django.contrib import admin

from targets.models import Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("__str__", "phase", "indicator", "target_min", "target_max", "deadline", "baseline_value")
    list_filter = ("phase__programme", "phase", "indicator")
    list_select_related = ("phase__programme",)
    autocomplete_fields = ("sector", "unit_scope")
