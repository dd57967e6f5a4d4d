from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = _("Facility register")

    def ready(self) -> None:
        from facilities.jobs import FACILITY_IMPORT
        from jobs.kinds import register

        register(FACILITY_IMPORT.kind())
