from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = _("Programme activities")

    def ready(self) -> None:
        from jobs.kinds import register
        from programmes import pathway
        from programmes.jobs import RECORD_IMPORTS

        pathway.connect()
        for kind in RECORD_IMPORTS.values():
            register(kind.kind())
