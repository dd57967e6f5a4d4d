"""A user's own choices (cpdash.models.Profile): the language, remembered on their account
as well as in the browser, and the managers' monthly digest, on or off.

- The VI/EN switch (``set_language``) keeps the choice on the account of a signed-in user.
- Signing in keeps the browser's earlier choice (its cookie) on an account that has none.
- ``/accounts/profile/`` shows and changes both.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import i18n

from cpdash.models import Profile
from cpdash.roles import is_manager


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (the cookie, then back to ``next``), and, for a signed-in user,
    the choice kept on their account: the e-mails the worker sends them speak it too."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    if request.user.is_authenticated and language and translation.check_for_language(language):
        Profile.remember_language(request.user, language)
    return response


@receiver(user_logged_in)
def keep_the_browsers_language(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """A user who chose a language before this was kept on accounts (or before signing in)
    has it kept at their next sign-in; a choice already on the account is left alone."""
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "") if request is not None else ""
    if language in dict(settings.LANGUAGES) and not Profile.objects.filter(user=user).exclude(language="").exists():
        Profile.remember_language(user, language)


class ProfileForm(forms.ModelForm):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)

    class Meta:
        model = Profile
        fields = ["language", "monthly_digest"]

    def __init__(self, *args, manager: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["language"] = self.instance.language_or_default
        if not manager:
            del self.fields["monthly_digest"]  # only managers receive it


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in user's language and (managers) monthly digest."""
    instance = Profile.of(request.user)
    manager = is_manager(request.user)
    form = ProfileForm(request.POST or None, instance=instance, manager=manager)
    if request.method == "POST" and form.is_valid():
        form.save()
        language = form.cleaned_data["language"]
        translation.activate(language)
        messages.success(request, _("Your profile is saved."))
        response = redirect("profile")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response
    return render(request, "registration/profile.html", {"form": form, "manager": manager})
