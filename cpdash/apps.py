from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CpdashConfig(AppConfig):
    name = "cpdash"
    verbose_name = _("Users' profiles")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import pre_delete, pre_save

        from cpdash import profiles  # noqa: F401  (connects the sign-in receiver)
        from cpdash.database import register_collations
        from cpdash.history import stamp
        from cpdash.tables import cache_signatures

        cache_signatures()
        # A deletion's history entries carry one moment (cpdash.history.one_moment).
        pre_save.connect(stamp, dispatch_uid="history-moment-save")
        pre_delete.connect(stamp, dispatch_uid="history-moment-delete")
        # Every SQLite connection sorts names in the order of the Vietnamese alphabet as PostgreSQL does.
        connection_created.connect(register_collations, dispatch_uid="cpdash.database.register_collations")
