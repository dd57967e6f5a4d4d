"""Middleware: a database outage answers 503 on every page, and cpdash recovers
by itself; a NUL character in a request answers 400.

When PostgreSQL is down (restart, failover, full disk) a view's query raises
OperationalError or InterfaceError; without this middleware every page would be
a 500 "server error" page and an error log per request. Instead the reader gets
a 503 "try again in a minute" page (JSON under /api/ and for .json addresses),
never cached. Nothing else is needed to recover: with ``conn_health_checks``
(settings.DATABASES) Django drops the dead connection at the start of the next
request and opens a new one.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

#: Seconds a client (or a proxy's health check) is told to wait before retrying.
RETRY_AFTER = 30


def unavailable_response(as_json: bool = False) -> HttpResponse:
    """The 503 page (templates/503.html): static, so rendering it needs no database.
    ``as_json``: the API's answer instead, {"error": message, "retry_after": seconds}."""
    if as_json:
        message = _("cpdash cannot reach its database right now. Nothing you saved before is lost.")
        response = JsonResponse(
            {"error": message, "retry_after": RETRY_AFTER}, status=503, json_dumps_params={"ensure_ascii": False}
        )
    else:
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
            return self._unavailable(request, error)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Errors in views reach here before Django turns them into a 500 page."""
        if isinstance(exception, OperationalError | InterfaceError):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request: HttpRequest, error: Exception) -> HttpResponse:
        # No need to close the broken connection here: Django does at the end
        # of the request (request_finished → close_old_connections).
        logger.warning("Database unavailable: %s", error)
        return unavailable_response(as_json=wants_json(request))


def wants_json(request: HttpRequest) -> bool:
    """Whether ``request`` is for the API or another JSON endpoint, which answer
    errors as JSON ({"error": message}) rather than as a page."""
    return request.path_info.startswith("/api/") or request.path_info.endswith(".json")


class NulCharacterMiddleware:
    """400 for a request with a NUL character in its path, query or cookies.

    No real address, search or cookie holds one, and PostgreSQL refuses any
    string with a NUL ("A string literal cannot contain NUL characters"), so
    every view would need its own check or answer 500: ``/facilities/%00/``,
    ``?q=%00``, ``?programme=%00``. Form fields refuse NUL already (Django's
    ProhibitNullCharactersValidator). After LocaleMiddleware: the message is translated.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._holds_nul(request):
            message = _("The request holds a NUL character: correct the address.")
            if wants_json(request):
                return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _holds_nul(request: HttpRequest) -> bool:
        texts = [request.path, *request.GET.keys(), *request.COOKIES.keys(), *request.COOKIES.values()]
        texts += [value for values in request.GET.lists() for value in values[1]]
        return any("\x00" in text for text in texts)


class ChosenLanguageMiddleware(LocaleMiddleware):
    """The language is the one the user chose (the VI/EN switch: its cookie), else
    settings.LANGUAGE_CODE (Vietnamese): never the browser's Accept-Language, so that a
    Chromium installed in English still opens the department's tool in Vietnamese."""

    def process_request(self, request: HttpRequest) -> None:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """A browser that made no choice signs in: it takes the account's (cpdash/profiles.py)."""
        response = super().process_response(request, response)
        language = getattr(request, "account_language", None)
        if language:
            set_language_cookie(response, language)
        return response


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """The cookie Django's set_language writes: the browser's choice, kept a year."""
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
