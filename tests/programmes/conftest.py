"""Helpers for the recording-page tests: permissions given explicitly (not
through cpdash/roles.py), formset post data, dates around today."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

#: The models the recording pages write, by permission codename suffix.
RECORDED = ("survey", "outreachactivity", "solution", "specialist", "demonstrationmodel", "replication")


def grant(user: User, *perms: str) -> User:
    """Give ``user`` permissions named "app_label.codename"; returns it fresh from the database
    (a User caches its permissions)."""
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return User.objects.get(pk=user.pk)


def rows(prefix: str, *forms: dict, initial: int = 0) -> dict[str, object]:
    """Post data of a formset: its management form and ``forms`` in order."""
    data: dict[str, object] = {f"{prefix}-TOTAL_FORMS": len(forms), f"{prefix}-INITIAL_FORMS": initial}
    for index, form in enumerate(forms):
        data.update({f"{prefix}-{index}-{name}": value for name, value in form.items()})
    return data


def today() -> dt.date:
    return timezone.localdate()


def tomorrow() -> dt.date:
    return today() + dt.timedelta(days=1)


@pytest.fixture
def recorder(staff_user) -> User:
    """A staff member who may view, add and change every recorded model."""
    perms = [f"programmes.{action}_{model}" for model in RECORDED for action in ("view", "add", "change")]
    return grant(staff_user, *perms)


@pytest.fixture
def recorder_client(client, recorder):
    client.force_login(recorder)
    return client
