"""Checks that stop the application from serving when it is not set up to."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET_KEY = (
    "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
    "(a long random string) or run with DEBUG=1 for local development."
)


def require_secret_key() -> None:
    """Refuse to start serving without SECRET_KEY, with a message that says what to do.

    Django itself refuses an empty key, but only when a request first needs it.
    """
    try:
        settings.SECRET_KEY  # noqa: B018 - reading it is the check
    except ImproperlyConfigured:
        raise ImproperlyConfigured(MISSING_SECRET_KEY) from None
