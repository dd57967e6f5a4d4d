"""gunicorn settings for cpdash (`make serve`; see README.md, "Production").

Every value can be changed from the environment: PORT, BIND, WEB_CONCURRENCY,
GUNICORN_THREADS, GUNICORN_TIMEOUT.
"""

import multiprocessing
import os

wsgi_app = "cpdash.wsgi:application"

# Behind a TLS proxy on the same host by default; BIND overrides (e.g. "unix:/run/cpdash.sock").
bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"

# The usual 2 × cores + 1 sync workers; the dashboard's queries run in the database.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))

# Imports of 10^5-row spreadsheets take tens of seconds; nothing should take minutes.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then, so that a slow leak never grows.
max_requests = 1000
max_requests_jitter = 100

# Logs to stdout/stderr, for systemd's journal or the container's log.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Whom gunicorn believes about https (X-Forwarded-Proto): the local proxy only.
# gunicorn never reads X-Forwarded-For: behind the proxy, REMOTE_ADDR is the
# proxy's address (127.0.0.1) for every request. cpdash takes the client's address
# from X-Forwarded-For itself, for sign-in throttling: set TRUSTED_PROXY_COUNT
# (cpdash/proxies.py, README "Production").
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
