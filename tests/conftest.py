"""Shared test base: named actors and small builders for domain objects.

Actors: ``staff_user``, ``manager_user``, ``admin_user`` (a superuser) and
``outsider`` (signed in, no role). Builders live in tests/builders.py.
"""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import translation


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in settings.LANGUAGE_CODE: a request's LocaleMiddleware leaves its
    language active in the thread afterwards (a test asking for Vietnamese would otherwise
    turn the messages of whatever test runs next in that process Vietnamese)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Each test keeps its import uploads (cpdash.uploads) in a folder of its own."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser("admin", "admin@example.test", "admin-pass-123")


@pytest.fixture
def staff_user(db) -> User:
    return User.objects.create_user("staff", "staff@example.test", "staff-pass-123", is_staff=False)


@pytest.fixture
def manager_user(db) -> User:
    return User.objects.create_user("manager", "manager@example.test", "manager-pass-123")


@pytest.fixture
def outsider(db) -> User:
    return User.objects.create_user("outsider", "outsider@example.test", "outsider-pass-123")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
