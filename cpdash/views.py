from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from cpdash.database import database_answers


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@transaction.non_atomic_requests  # ATOMIC_REQUESTS would fail before the view runs
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not within
    cpdash.database.HEALTH_TIMEOUT seconds (a connection of its own, so a frozen
    database cannot hang it)."""
    if not database_answers():
        return JsonResponse({"status": "unavailable", "database": False}, status=503)
    return JsonResponse({"status": "ok", "database": True})
