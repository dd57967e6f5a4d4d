"""Abstract model pieces shared by the apps (no tables of their own)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cpdash.text import fold


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
