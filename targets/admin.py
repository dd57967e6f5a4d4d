from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cpdash.admin import HistoryAdmin, RecordImportMixin, RoleUserAdmin
from programmes.models import Phase
from targets.models import DigestSent, Letterhead, ReportEdition, Target
from targets.resources import TargetResource


class PhaseFilter(admin.RelatedFieldListFilter):
    """Phase choices with their programme in one query (Phase.__str__ shows it)."""

    def field_choices(self, field, request, model_admin):
        return [(phase.pk, str(phase)) for phase in Phase.objects.select_related("programme")]


@admin.register(Target)
class TargetAdmin(RecordImportMixin, HistoryAdmin):
    resource_classes = [TargetResource]
    list_display = (
        "__str__",
        "phase",
        "indicator",
        "target_min",
        "target_max",
        "deadline",
        "baseline_value",
        "evidence",
    )
    list_filter = ("phase__programme", ("phase", PhaseFilter), "indicator", "evidence")
    list_select_related = ("phase__programme",)
    autocomplete_fields = ("sector", "unit_scope")


@admin.register(ReportEdition)
class ReportEditionAdmin(admin.ModelAdmin):
    """Editions are published from the report page and never changed; an admin may delete one
    (the previous edition of the year becomes the one readers see)."""

    list_display = ("year", "number", "as_of", "published_at", "published_by")
    list_filter = ("year",)
    list_select_related = ("published_by",)
    fields = ("year", "number", "as_of", "published_at", "published_by")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DigestSent)
class DigestSentAdmin(admin.ModelAdmin):
    """The monthly digests sent (docs/digest.md): read only; deleting one lets the next run (or
    ``send_digest``) send that manager's digest of that month again."""

    list_display = ("month", "user", "language", "sent_at")
    list_filter = ("month", "language")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    fields = ("month", "user", "language", "sent_at")
    readonly_fields = fields
    date_hierarchy = "month"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


#: The logo's limits: a letterhead's logo is a few kilobytes; the PDF prints it at most 3 cm wide.
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 2000
LOGO_TYPES = ("image/png", "image/jpeg")


class LetterheadForm(forms.ModelForm):
    """The letterhead's texts, and its logo uploaded as a file (kept in the database)."""

    logo_file = forms.ImageField(
        label=_("logo"),
        required=False,
        help_text=_("PNG or JPEG, at most 1 MB and 2000 × 2000 pixels; printed at most 3 cm wide."),
    )
    remove_logo = forms.BooleanField(label=_("remove the logo"), required=False)

    class Meta:
        model = Letterhead
        fields = ("authority_vi", "authority_en", "name_vi", "name_en", "address", "contact")

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        # ImageField has opened it with Pillow: upload.image (its size) and upload.content_type.
        if upload.content_type not in LOGO_TYPES:
            raise ValidationError(gettext("The logo must be a PNG or JPEG image."))
        if upload.size > LOGO_MAX_BYTES or max(upload.image.size) > LOGO_MAX_PIXELS:
            raise ValidationError(gettext("The logo must be at most 1 MB and 2000 × 2000 pixels."))
        return upload

    def save(self, commit: bool = True) -> Letterhead:
        letterhead = super().save(commit=False)
        upload = self.cleaned_data.get("logo_file")
        if upload:
            upload.seek(0)
            letterhead.logo, letterhead.logo_type = upload.read(), upload.content_type
        elif self.cleaned_data.get("remove_logo"):
            letterhead.logo, letterhead.logo_type = b"", ""
        if commit:
            letterhead.save()
        return letterhead


@admin.register(Letterhead)
class LetterheadAdmin(admin.ModelAdmin):
    """One letterhead (targets.models.Letterhead): its list and its "add" go straight to it, or,
    before it is saved, to the form that makes it, filled with the defaults; it is never deleted."""

    form = LetterheadForm
    fields = ("authority_vi", "authority_en", "name_vi", "name_en", "address", "contact", "logo_shown", "logo_file")
    readonly_fields = ("logo_shown",)

    def get_fields(self, request: HttpRequest, obj: Letterhead | None = None):
        return [*self.fields, "remove_logo"] if obj is not None and obj.logo else list(self.fields)

    @admin.display(description=_("current logo"))
    def logo_shown(self, obj: Letterhead) -> str:
        if not obj.logo:
            return gettext("none")
        kind = obj.logo_type.removeprefix("image/").upper()
        return f"{kind}, {filesizeformat(len(obj.logo))}"

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None) -> HttpResponse:
        # Not in has_add_permission(): the admin's menu asks it on every page, one query each time.
        if Letterhead.objects.filter(pk=Letterhead.SINGLETON).exists():
            return redirect("admin:targets_letterhead_change", Letterhead.SINGLETON)
        return super().add_view(request, form_url, extra_context)

    def has_delete_permission(self, request: HttpRequest, obj: Letterhead | None = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if Letterhead.objects.filter(pk=Letterhead.SINGLETON).exists():
            return redirect("admin:targets_letterhead_change", Letterhead.SINGLETON)
        return redirect("admin:targets_letterhead_add")


# Only a superuser makes or changes a superuser (cpdash.admin.RoleUserAdmin).
admin.site.unregister(User)
admin.site.register(User, RoleUserAdmin)
