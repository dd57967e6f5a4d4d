import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpdash.settings")
application = get_wsgi_application()

from cpdash.startup import require_secret_key  # noqa: E402 - needs the settings module set above

require_secret_key()
