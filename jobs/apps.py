from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from jobs.exports import XLSX_EXPORT
        from jobs.kinds import register

        register(XLSX_EXPORT)
