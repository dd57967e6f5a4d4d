"""A database outage answers 503 on every page, and cpdash recovers by itself.

When PostgreSQL is down (restart, failover, full disk) a view's query raises
OperationalError or InterfaceError; without this middleware every page would be
a 500 "server error" page and an error log per request. Instead the reader gets
a 503 "try again in a minute" page, never cached. Nothing else is needed to
recover: with ``conn_health_checks`` (settings.DATABASES) Django drops the dead
connection at the start of the next request and opens a new one.
"""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

#: Seconds a client (or a proxy's health check) is told to wait before retrying.
RETRY_AFTER = 30


def unavailable_response() -> HttpResponse:
    """The 503 page (templates/503.html): static, so rendering it needs no database."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """503 instead of 500 when the database cannot be reached.

    Also catches errors raised outside the view (the session and user are read
    lazily, often while a template renders), so it sits first in MIDDLEWARE.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError) as error:
            return self._unavailable(error)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Errors in views reach here before Django turns them into a 500 page."""
        if isinstance(exception, OperationalError | InterfaceError):
            return self._unavailable(exception)
        return None

    def _unavailable(self, error: Exception) -> HttpResponse:
        # No need to close the broken connection here: Django does at the end
        # of the request (request_finished → close_old_connections).
        logger.warning("Database unavailable: %s", error)
        return unavailable_response()
