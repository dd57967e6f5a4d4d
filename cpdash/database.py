"""Database time limits: how long cpdash waits for PostgreSQL, and the probe of /healthz.

settings.database_config() gives every PostgreSQL connection a ``connect_timeout``
(DATABASE_CONNECT_TIMEOUT, default 5 s) and a ``statement_timeout``
(DATABASE_STATEMENT_TIMEOUT, default 60 s): a request waits that long at most for
a connection or a statement, instead of until gunicorn kills the worker. Long jobs
that are not requests (rebuild_pathway, load_demo) lift the statement limit for
themselves with lift_statement_timeout().

A database that accepts connections but never answers (a frozen server) also
hangs a query on a connection that is already open: PostgreSQL cannot enforce
its statement_timeout while frozen, and the kernel keeps acknowledging. /healthz
therefore opens a connection of its own, with a limit of HEALTH_TIMEOUT seconds,
so that it answers 503 quickly whatever state the server is in.
"""

from django.db import DEFAULT_DB_ALIAS, connections

#: Seconds /healthz waits for the database (connection and query alike).
HEALTH_TIMEOUT = 2


def database_answers(alias: str = DEFAULT_DB_ALIAS, timeout: int = HEALTH_TIMEOUT) -> bool:
    """Whether a new connection to ``alias`` answers ``SELECT 1`` within about ``timeout`` seconds."""
    probe = connections.create_connection(alias)
    if probe.vendor == "postgresql":
        options = dict(probe.settings_dict.get("OPTIONS", {}))
        options["connect_timeout"] = timeout
        options["options"] = f"{options.get('options', '')} -c statement_timeout={timeout}s".strip()
        probe.settings_dict = {**probe.settings_dict, "OPTIONS": options}
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False
    finally:
        probe.close()


def lift_statement_timeout(alias: str = DEFAULT_DB_ALIAS) -> None:
    """No statement_timeout for the rest of this connection's session (PostgreSQL;
    nothing elsewhere): for commands whose bulk statements may take longer than a
    request may. Inside a transaction, the limit comes back if it is rolled back."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
