"""cpdash settings, read once from the environment.

Zero configuration gives a local SQLite database with DEBUG off; set
``DATABASE_URL`` for PostgreSQL (production). See README.md, "Production".
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_HASHES, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """True for 1/true/yes/on (any case); ``default`` when unset or empty."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# Without a key (and without DEBUG) the settings still load, so that commands
# that serve nothing (makemigrations, check) run; serving refuses to start:
# cpdash.startup.require_secret_key() in cpdash/wsgi.py and manage.py runserver.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "import_export",
    "axes",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "cpdash",  # the users' profile (language, monthly digest): cpdash/models.py
    "jobs",
    "facilities",
    "programmes",
    "targets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Text responses gzipped (static files are whitenoise's, answered above): cpdash/compression.py
    "cpdash.compression.TextGZipMiddleware",
    "cpdash.middleware.DatabaseUnavailableMiddleware",  # 503, not 500, while the database is down
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cpdash.middleware.ChosenLanguageMiddleware",  # the user's choice, else Vietnamese; never the browser's
    "cpdash.middleware.NulCharacterMiddleware",  # 400 for a NUL in the address, query or cookies
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records who made each change (the signed-in user) in the models' history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cpdash.urls"
WSGI_APPLICATION = "cpdash.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_config(url: str) -> dict:
    """A DATABASES entry for ``url``, with the project's connection options.

    PostgreSQL: JIT off (the indicators' queries run 3-6x slower with JIT compilation
    on), and time limits, so that a stuck database cannot hold every worker
    (cpdash/database.py): ``connect_timeout`` DATABASE_CONNECT_TIMEOUT seconds
    (default 5) and ``statement_timeout`` DATABASE_STATEMENT_TIMEOUT seconds (default
    60, well above the bench's largest query; 0: no limit). Options given in the URL
    (``?options=…``) come after ours and win.
    """
    db = dj_database_url.parse(url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")), conn_health_checks=True)
    if db["ENGINE"] == "django.db.backends.postgresql":
        options = db.setdefault("OPTIONS", {})
        statement_timeout = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT") or "60")
        ours = f"-c jit=off -c statement_timeout={statement_timeout}s"
        options["options"] = f"{ours} {options['options']}" if options.get("options") else ours
        options.setdefault("connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT") or "5"))
    elif db["ENGINE"] == "django.db.backends.sqlite3":
        # Write-ahead log: the worker's long import reads (its check) block no one, and a
        # request's write waits only for another write, not for readers.
        db.setdefault("OPTIONS", {}).setdefault("init_command", "PRAGMA journal_mode=WAL;")
    return db


# SQLite file by default so a checkout simply runs; PostgreSQL in production.
# An empty DATABASE_URL counts as unset (a blank line in an environment file).
DATABASES = {"default": database_config(os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# A read replica for the dashboards, reports and indicator API (the views marked
# with cpdash.routers.reads_from_replica); everything else uses "default".
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {
        **database_config(os.environ["DATABASE_REPLICA_URL"]),
        "ATOMIC_REQUESTS": False,
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["cpdash.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out username+IP before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "vi")
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# The VI/EN switch's choice is remembered for a year (Django's default: until the browser closes).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
FORMAT_MODULE_PATH = ["cpdash.formats"]  # dates 31/12/2015 and numbers 1.234,5 in Vietnamese (cpdash/formats)
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic writes and whitenoise serves from; STATIC_ROOT moves it (make bench uses a scratch folder).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js comes from the pinned plotly wheel, so Python and JS versions match.
    "cpdash.staticfiles.PlotlyJSFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if env_bool("CPDASH_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: a facility list of 10^5 rows is a few MB; refuse anything far larger.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Enforced by cpdash.imports.ImportForm (import-export has no limit of its own).
IMPORT_MAX_FILE_SIZE = 20 * 1024 * 1024
# Units' boundaries for the map (GeoJSON, facilities/boundaries.py): a province's wards,
# simplified, are a few MB; the whole file is read into memory to be checked.
BOUNDARY_MAX_FILE_SIZE = int(os.environ.get("BOUNDARY_MAX_FILE_SIZE") or 10 * 1024 * 1024)
# Limits of every import's reader (cpdash.imports, docs/import.md "Limits"), the
# command's included: a file beyond one is refused with a message before it is read
# further. A city register is 10^5 rows, a national one 10^6.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS") or 1_000_000)  # under the header, blank rows included
IMPORT_MAX_BLANK_ROWS = int(os.environ.get("IMPORT_MAX_BLANK_ROWS") or 10_000)
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS") or 100)  # the widest import has 12
IMPORT_MAX_CELL_LENGTH = int(os.environ.get("IMPORT_MAX_CELL_LENGTH") or 32_767)  # Excel's own limit per cell
# XLSX is a zip: what its members may unpack to in all (a 10^5-row register: about
# 50 MB), and how much more than its packed size one member may (real sheets: ~10×).
IMPORT_MAX_UNPACKED_SIZE = int(os.environ.get("IMPORT_MAX_UNPACKED_SIZE") or 256 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = int(os.environ.get("IMPORT_MAX_COMPRESSION_RATIO") or 100)

# An admin import keeps the upload between its preview and "Confirm import" here, in
# PRIVATE_MEDIA_ROOT/imports (never served), under a random name that the confirm form
# carries signed to the user and session; deleted on confirm, or once older than
# IMPORT_UPLOAD_MAX_AGE seconds (cpdash.uploads).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT") or BASE_DIR / "private")
IMPORT_UPLOAD_MAX_AGE = int(os.environ.get("IMPORT_UPLOAD_MAX_AGE") or 60 * 60)
IMPORT_EXPORT_TMP_STORAGE_CLASS = "cpdash.uploads.PrivateUploadStorage"

# Background jobs (jobs/): the task queue is django-tasks' database backend, run by
# `manage.py db_worker` (README, "Background jobs"). An admin upload of more than
# IMPORT_BACKGROUND_ROWS rows is imported by a job instead of inside the request.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMPORT_BACKGROUND_ROWS = int(os.environ.get("IMPORT_BACKGROUND_ROWS") or "2000")
# An XLSX export of more rows than this is written by a job (a CSV always streams).
EXPORT_BACKGROUND_ROWS = int(os.environ.get("EXPORT_BACKGROUND_ROWS") or "50000")
# A job's upload and result file are kept in PRIVATE_MEDIA_ROOT/jobs (jobs.models).

# The managers' monthly digest (docs/digest.md): sent by the worker on the 1st of each month.
# SITE_URL: the address its links start with, as managers open cpdash (no trailing slash).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# E-mail: an SMTP server from the environment; under DEBUG (without EMAIL_HOST) the console
# shows each message instead of sending it.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT") or "25")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT") or "30")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cpdash <cpdash@localhost>")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and not EMAIL_HOST
    else "django.core.mail.backends.smtp.EmailBackend"
)

# Import is all-or-nothing: one transaction, rolled back on any row error.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Importing needs "import_<model>" (cpdash.models.IMPORTED_PERMISSIONS), which only the
# Admins group holds: not "add", which staff hold for the records they enter by hand.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# Not import-export's IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT: it only drops a
# leading "=" (not +, -, @) and turns every cell into text. The resources escape
# their exports with cpdash.exports.escape_formula instead (FacilityResource.export_field).

DJANGO_TABLES2_TEMPLATE = "cpdash/table.html"

# Production hardening: on whenever DEBUG is off (see README "Production").
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # One year, as `check --deploy` asks; set 0 while trying HTTPS out for the first time.
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    # e.g. "HTTP_X_FORWARDED_PROTO,https" — only when a trusted proxy sets it.
    SECURE_PROXY_SSL_HEADER = tuple(os.environ["SECURE_PROXY_SSL_HEADER"].split(",", 1))
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)

# Content-Security-Policy (django-csp): no inline script anywhere, nothing from other sites.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # The one inline handler cpdash serves, import-export's "Select all" on the
        # admin's export page, allowed by its hash: no other inline script runs.
        "script-src": [SELF, UNSAFE_HASHES, "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='"],
        # 'unsafe-inline' for styles only: plotly.js adds <style> elements of its own
        # at run time (modebar, hover labels), which 'self' alone refuses and whose
        # hashes change with each plotly release. Styles cannot run code; the admin
        # and our templates would do with 'self'.
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Sign-in throttling (django-axes): 5 failures per username and address lock
# that pair out for 15 minutes; the admin's sign-in counts too.
# The address is the client's, not the proxy's (cpdash/proxies.py): behind
# TRUSTED_PROXY_COUNT reverse proxies (1 for the same-host nginx of the README),
# the entry of X-Forwarded-For the nearest of them wrote, when the request comes
# from one of TRUSTED_PROXY_IPS. 0 (the default): REMOTE_ADDR, no header is read.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT") or "0")
TRUSTED_PROXY_IPS = env_list("TRUSTED_PROXY_IPS", "127.0.0.1,::1")
AXES_CLIENT_IP_CALLABLE = "cpdash.proxies.client_ip"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/login.html"
# A lockout ends by itself; to lift one sooner: manage.py axes_reset_username <name>.
AXES_ENABLE_ADMIN = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
