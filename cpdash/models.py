"""Abstract model pieces shared by the apps, and the users' profile (Profile)."""

from django.conf import settings
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


class Profile(models.Model):
    """What a user chose for themselves: the language cpdash speaks to them in (the VI/EN
    switch, kept here as well as in the browser's cookie, so that the worker's e-mails speak
    it too) and whether a manager receives the monthly digest (targets/digest.py).

    A user without a row has chosen nothing: settings.LANGUAGE_CODE, digest on. ``of()`` reads
    without writing; ``remember_language()`` and the profile page write."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="profile",
        verbose_name=_("user"),
    )
    #: Empty: never chosen (settings.LANGUAGE_CODE).
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    monthly_digest = models.BooleanField(
        _("monthly digest by e-mail"),
        default=True,
        help_text=_("Managers receive on the 1st of each month where the targets stand and what the month brought."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)

    @classmethod
    def of(cls, user) -> "Profile":
        """``user``'s profile, unsaved defaults when they have none (no query if it was
        select_related)."""
        try:
            return user.profile
        except cls.DoesNotExist:
            return cls(user=user)

    @property
    def language_or_default(self) -> str:
        return self.language or settings.LANGUAGE_CODE

    @classmethod
    def remember_language(cls, user, language: str) -> None:
        """Keep ``language`` (a code of settings.LANGUAGES) as ``user``'s choice."""
        if language in dict(settings.LANGUAGES):
            cls.objects.update_or_create(user=user, defaults={"language": language})
