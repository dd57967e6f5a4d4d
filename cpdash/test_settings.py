"""Settings for the test suite: the real settings, made fast and self-contained."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")

from cpdash.settings import *  # noqa: F403

# No replica from the environment: on a test mirror the opted-in views would not
# see the data a test writes in its transaction. tests/cpdash/test_routers.py adds one.
DATABASES.pop("replica", None)  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests render templates without running collectstatic first.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "en"
# django-axes needs the request at authenticate(), which Client.login() does not
# pass; the sign-in throttling tests turn it on (tests/cpdash/test_login.py).
AXES_ENABLED = False
# The test client speaks plain HTTP; production redirects it to HTTPS.
SECURE_SSL_REDIRECT = False
