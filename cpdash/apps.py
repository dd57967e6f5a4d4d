from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CpdashConfig(AppConfig):
    name = "cpdash"
    verbose_name = _("Users' profiles")

    def ready(self) -> None:
        from cpdash import profiles  # noqa: F401  (connects the sign-in receiver)
        from cpdash.tables import cache_signatures

        cache_signatures()
