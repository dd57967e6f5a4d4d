from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = _("Programme activities")

    def ready(self) -> None:
        from programmes import pathway

        pathway.connect()
