"""Abstract model pieces shared by the apps (no tables of their own)."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cpdash.text import fold

#: The largest count (people, participants, copies, employees) cpdash stores: PostgreSQL's
#: integer maximum, on every database, so that SQLite refuses what PostgreSQL would.
MAX_COUNT = 2_147_483_647
#: Validators of every count field: forms and the admin refuse a larger number with a message.
COUNT_VALIDATORS = [MaxValueValidator(MAX_COUNT)]
#: Meta.default_permissions of the models imported from spreadsheets in the admin: Django's
#: four, and "import_<model>", which the admin's import asks for
#: (settings.IMPORT_EXPORT_IMPORT_PERMISSION_CODE) and only the Admins group holds (cpdash.roles).
IMPORTED_PERMISSIONS = ("add", "change", "delete", "view", "import")


class Searchable(models.Model):
    """Keeps ``search_text``: the folded (lower-case, no diacritics) text of
    ``SEARCH_SOURCE`` fields, so that "Bat Trang" finds "Bát Tràng" with a
    plain ``icontains`` on SQLite and PostgreSQL alike, without extensions.

    Bulk writes (``bulk_create``/``bulk_update``) skip ``save()``: call
    ``refresh_search_text()`` on each object first.
    """

    SEARCH_SOURCE: tuple[str, ...] = ("name",)

    search_text = models.CharField(_("search text"), max_length=600, editable=False, default="")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.refresh_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def refresh_search_text(self) -> None:
        parts = (str(getattr(self, field) or "") for field in self.SEARCH_SOURCE)
        self.search_text = fold(" ".join(parts))[:600]
