from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from cpdash.admin import FoldedSearchMixin
from facilities.models import AdministrativeUnit, Facility, ProductionArea, Sector
from facilities.resources import FacilityResource


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "committee_name", "valid_from", "valid_until")
    list_filter = ("kind", "valid_until")
    ordering = ("name",)


@admin.register(Sector)
class SectorAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ("name",)


@admin.register(ProductionArea)
class ProductionAreaAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "unit", "products")
    list_filter = ("kind", "unit")
    list_select_related = ("unit",)


@admin.register(Facility)
class FacilityAdmin(FoldedSearchMixin, ImportExportModelAdmin):
    resource_classes = [FacilityResource]
    list_display = ("code", "name", "sector", "unit", "area", "kind", "employees", "in_scope", "opened_on", "closed_on")
    list_filter = ("in_scope", "kind", "sector", "unit", "area__kind")
    list_select_related = ("sector", "unit", "area")
    autocomplete_fields = ("area",)
    list_per_page = 50
    show_full_result_count = False  # a COUNT(*) over 10^5 rows on every page is not worth it
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "employees")}),
        (_("Where"), {"fields": ("sector", "unit", "area")}),
        (_("Status"), {"fields": ("in_scope", "opened_on", "closed_on")}),
    )
