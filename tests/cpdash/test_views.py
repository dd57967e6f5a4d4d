import json
import re
from pathlib import Path

import pytest
from django.db import OperationalError, connections
from django.urls import reverse

from cpdash import views

PROJECT_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


# --- /healthz ------------------------------------------------------------


def test_healthz(client, django_assert_num_queries):
    with django_assert_num_queries(0):  # SELECT 1 on a connection of its own (cpdash.database.database_answers)
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": True}


@pytest.fixture
def database_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(type(connections["default"]), "ensure_connection", refuse)  # /healthz's connection too


def test_healthz_view_reports_an_unreachable_database(rf, database_down):
    response = views.healthz(rf.get("/healthz"))
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "unavailable", "database": False}


def test_healthz_reports_an_unreachable_database(client, database_down):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503


# --- Home and sign-in ----------------------------------------------------


# The home page by role, its query counts: tests/targets/test_views_home.py.


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("Managers", ["targets:dashboard", "facilities:list"], ["programmes:survey_create", "admin:index"]),
        ("Staff", ["programmes:survey_create", "programmes:activity_create", "facilities:list"], []),
    ],
)
def test_home_and_navigation_show_each_role_what_it_may_do(client, outsider, role, shown, hidden):
    from django.contrib.auth.models import Group

    from cpdash.roles import ensure_groups

    ensure_groups()
    outsider.groups.add(Group.objects.get(name=role))
    client.force_login(outsider)
    content = client.get(reverse("home")).content.decode()
    for name in shown:
        assert reverse(name) in content
    for name in hidden:
        assert reverse(name) not in content


def test_login_page_renders(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "registration/login.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert 'name="username"' in content
    assert 'name="password"' in content
    assert 'name="csrfmiddlewaretoken"' in content


def test_sign_in_leads_home(client, outsider):
    response = client.post(reverse("login"), {"username": "outsider", "password": "outsider-pass-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_sign_in_with_a_wrong_password_shows_an_error(client, outsider):
    response = client.post(reverse("login"), {"username": "outsider", "password": "wrong"})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()


# --- No CDN: every asset is served by cpdash itself -----------------------

REMOTE_ASSET = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//""", re.I
)


def _asset_files() -> list[Path]:
    files = [p for folder in ("templates", "static") for p in (PROJECT_ROOT / folder).rglob("*") if p.is_file()]
    assert any(p.name == "base.html" for p in files), "the scan must cover templates/base.html"
    return files


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="https://cdn.plot.ly/plotly.min.js">',
        "<link href='http://example.com/x.css'>",
        '<script src="//cdn.example.com/x.js">',
        '@import url("https://fonts.googleapis.com/css")',
        "@import 'http://example.com/x.css';",
    ],
)
def test_remote_asset_pattern_catches_cdn_links(snippet):
    assert REMOTE_ASSET.search(snippet)


@pytest.mark.parametrize("snippet", ["<link href=\"{% static 'css/cpdash.css' %}\">", '<a href="/admin/">'])
def test_remote_asset_pattern_allows_local_links(snippet):
    assert not REMOTE_ASSET.search(snippet)


def test_templates_and_static_files_load_nothing_from_other_sites():
    offenders = []
    for path in _asset_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images, fonts
        offenders += [f"{path.relative_to(PROJECT_ROOT)}: {m.group(0)}" for m in REMOTE_ASSET.finditer(text)]
    assert offenders == []
