"""A user's own choices (cpdash.models.Profile): the language, remembered on their account
as well as in the browser, and the managers' monthly digest, on or off.

- The VI/EN switch (``set_language``) keeps the choice on the account of a signed-in user.
- Signing in keeps the browser's earlier choice (its cookie) on an account that has none, and
  gives a browser that has made no choice the account's.
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

from cpdash.middleware import set_language_cookie
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
    """At sign-in, the browser's choice (its cookie) is kept on an account that has none; a
    browser without a choice takes the account's (ChosenLanguageMiddleware sets its cookie)."""
    if request is None:
        return
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    kept = Profile.objects.filter(user=user).exclude(language="").values_list("language", flat=True).first()
    if kept is None and language in dict(settings.LANGUAGES):
        Profile.remember_language(user, language)
    elif kept is not None and not language:
        request.account_language = kept


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
        set_language_cookie(response, language)
        return response
    return render(request, "registration/profile.html", {"form": form, "manager": manager})
