"""Placeholder; the facility import resource is being written (issue 2, item 5)."""

from import_export import resources

from facilities.models import Facility


class FacilityResource(resources.ModelResource):
    class Meta:
        model = Facility
        import_id_fields = ("code",)
        fields = ("code", "name")
