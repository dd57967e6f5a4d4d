"""A user's own choices (cpdash/profiles.py): the language kept on the account (for the
worker's e-mails), and the managers' monthly digest on or off."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cpdash.models import Profile
from cpdash.roles import MANAGERS, ensure_groups

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(manager_user):
    ensure_groups()
    manager_user.groups.add(Group.objects.get(name=MANAGERS))
    return manager_user


def language_of(user) -> str:
    return Profile.of(type(user).objects.get(pk=user.pk)).language_or_default


def test_the_switch_keeps_a_signed_in_users_choice_on_the_account(client, manager, settings):
    settings.LANGUAGE_CODE = "vi"
    assert language_of(manager) == "vi"  # never chose: the site's language
    client.force_login(manager)

    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert language_of(manager) == "en"
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert Profile.objects.get(user=manager).language == "vi"


def test_an_anonymous_switch_or_an_unknown_language_keeps_nothing(client, manager):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert not Profile.objects.exists()
    client.force_login(manager)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert not Profile.objects.exists()


def test_signing_in_keeps_the_browsers_earlier_choice(client, manager, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(reverse("login"), {"username": "manager", "password": "manager-pass-123"})
    assert Profile.objects.get(user=manager).language == "en"

    # A choice already on the account is not overwritten by a browser's cookie.
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    client.post(reverse("login"), {"username": "manager", "password": "manager-pass-123"})
    assert Profile.objects.get(user=manager).language == "en"


def test_a_manager_turns_the_digest_off_and_chooses_a_language(client, manager, settings):
    client.force_login(manager)
    page = client.get(reverse("profile"))
    assert 'name="monthly_digest"' in page.content.decode()
    assert page.context["form"]["monthly_digest"].value() is True

    response = client.post(reverse("profile"), {"language": "vi"})  # the box unticked

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "vi"
    profile = Profile.objects.get(user=manager)
    assert (profile.language, profile.monthly_digest) == ("vi", False)
    client.post(reverse("profile"), {"language": "en", "monthly_digest": "on"})
    profile.refresh_from_db()
    assert (profile.language, profile.monthly_digest) == ("en", True)


def test_others_choose_only_their_language(client, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("profile"))
    assert 'name="monthly_digest"' not in page.content.decode()
    client.post(reverse("profile"), {"language": "en"})
    profile = Profile.objects.get(user=staff_user)
    assert (profile.language, profile.monthly_digest) == ("en", True)


def test_a_bad_language_is_refused(client, manager):
    client.force_login(manager)
    response = client.post(reverse("profile"), {"language": "fr"})
    assert response.status_code == 200
    assert response.context["form"].errors["language"]
    assert not Profile.objects.exists()


def test_a_new_browser_takes_the_accounts_language_at_sign_in(client, manager, settings):
    settings.LANGUAGE_CODE = "vi"
    Profile.objects.create(user=manager, language="en")

    response = client.post(reverse("login"), {"username": "manager", "password": "manager-pass-123"})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert client.get(reverse("home")).headers["Content-Language"] == "en"
