"""Pages travel gzipped: the dashboard's HTML, which carries its figures' data, is
127 kB as written and about a tenth of that compressed (docs/performance.md,
"Page weight"). Static files need none of this: whitenoise serves the .br and
.gz files that ``collectstatic`` wrote, and answers before this middleware.

Only text is compressed (HTML, CSV, JSON, …): a workbook or an image is already
compressed, and gzipping it again would cost the worker CPU, save nothing and
drop the Content-Length that a download's progress bar shows.

BREACH (a secret guessed from how well it compresses beside text the attacker
chose): the CSRF token in forms is masked afresh in each response, so it never
repeats to be guessed; Django's GZipMiddleware pads each response with up to 100
random bytes ("Heal the Breach"); and the session cookie is SameSite=Lax, so the
many cross-site requests the attack needs arrive signed out and get the sign-in
page, which holds nothing secret.
"""

from django.middleware.gzip import GZipMiddleware

#: Content types worth compressing (their start; parameters such as charset may follow).
COMPRESSED_TYPES = ("text/", "application/json", "application/javascript", "application/xml", "image/svg+xml")


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for text responses only."""

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").lower()
        if not content_type.startswith(COMPRESSED_TYPES):
            return response
        return super().process_response(request, response)
