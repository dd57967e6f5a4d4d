from django.db import transaction
from django.http import HttpRequest, JsonResponse

from cpdash.database import database_answers

# The home page is targets.views.home: it shows the targets and the records (the top layer).


@transaction.non_atomic_requests  # ATOMIC_REQUESTS would fail before the view runs
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not within
    cpdash.database.HEALTH_TIMEOUT seconds (a connection of its own, so a frozen
    database cannot hang it)."""
    if not database_answers():
        return JsonResponse({"status": "unavailable", "database": False}, status=503)
    return JsonResponse({"status": "ok", "database": True})
