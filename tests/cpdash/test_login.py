"""Sign-in throttling (django-axes): five failures lock a username at an address out."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed sign-in attempts"


@pytest.fixture
def axes_on(settings):
    """The test settings turn axes off (Client.login); these tests run it as in production."""
    settings.AXES_ENABLED = True


def _sign_in(client, username: str, password: str, url: str = "login", address: str = "10.0.0.1"):
    return client.post(reverse(url), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_throttling_settings():
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert django_settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert django_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert django_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_five_failures_lock_the_user_out_even_with_the_right_password(client, outsider, axes_on):
    for _ in range(4):
        response = _sign_in(client, "outsider", "wrong")
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()
    fifth = _sign_in(client, "outsider", "wrong")
    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode()

    sixth = _sign_in(client, "outsider", "outsider-pass-123")

    assert sixth.status_code == 429
    content = sixth.content.decode()
    assert LOCKED in content
    assert "15 minutes" in content
    assert "_auth_user_id" not in client.session


def test_the_lockout_message_is_translated(client, outsider, axes_on):
    client.cookies["django_language"] = "vi"
    for _ in range(5):
        response = _sign_in(client, "outsider", "wrong")
    assert response.status_code == 429
    assert '<html lang="vi">' in response.content.decode()


def test_another_user_at_the_same_address_is_not_locked(client, outsider, manager_user, axes_on):
    for _ in range(5):
        _sign_in(client, "outsider", "wrong")

    response = _sign_in(client, "manager", "manager-pass-123")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_the_same_user_from_another_address_is_not_locked(client, outsider, axes_on):
    for _ in range(5):
        _sign_in(client, "outsider", "wrong")

    response = _sign_in(client, "outsider", "outsider-pass-123", address="10.0.0.2")

    assert response.status_code == 302


def test_the_admin_sign_in_is_throttled_too(client, admin_user, axes_on):
    for _ in range(5):
        _sign_in(client, "admin", "wrong", url="admin:login")

    response = _sign_in(client, "admin", "admin-pass-123", url="admin:login")

    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_a_success_before_the_limit_starts_the_count_again(client, outsider, axes_on):
    for _ in range(4):
        _sign_in(client, "outsider", "wrong")
    assert _sign_in(client, "outsider", "outsider-pass-123").status_code == 302
    client.logout()

    for _ in range(4):
        _sign_in(client, "outsider", "wrong")
    assert _sign_in(client, "outsider", "outsider-pass-123").status_code == 302


def test_client_login_and_force_login_work_in_the_test_settings(client, outsider):
    assert client.login(username="outsider", password="outsider-pass-123")
    client.logout()
    client.force_login(outsider)
    assert client.get(reverse("home")).status_code == 200


def test_force_login_works_with_axes_on(client, outsider, axes_on):
    client.force_login(outsider)
    assert client.get(reverse("home")).status_code == 200


# --- Behind the reverse proxy (cpdash/proxies.py): every request comes from 127.0.0.1 ---------------


@pytest.fixture
def behind_nginx(settings, axes_on):
    """As in production behind the same-host nginx of the README (TRUSTED_PROXY_COUNT=1)."""
    settings.TRUSTED_PROXY_COUNT = 1


def _through_proxy(client, username: str, password: str, client_address: str, sent: str = ""):
    """A sign-in through nginx: from 127.0.0.1, with X-Forwarded-For as nginx's
    $proxy_add_x_forwarded_for makes it (what the client sent, then its address)."""
    forwarded = f"{sent}, {client_address}" if sent else client_address
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_the_proxy_an_attacker_does_not_lock_the_user_out_for_everyone(client, outsider, behind_nginx):
    for _ in range(5):
        _through_proxy(client, "outsider", "wrong", "203.0.113.66")
    assert _through_proxy(client, "outsider", "outsider-pass-123", "203.0.113.66").status_code == 429

    response = _through_proxy(client, "outsider", "outsider-pass-123", "198.51.100.7")

    assert response.status_code == 302


def test_behind_the_proxy_a_forged_x_forwarded_for_does_not_escape_the_lockout(client, outsider, behind_nginx):
    for n in range(5):
        _through_proxy(client, "outsider", "wrong", "203.0.113.66", sent=f"10.9.9.{n}")

    assert _through_proxy(client, "outsider", "outsider-pass-123", "203.0.113.66", sent="10.9.9.99").status_code == 429


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        (0, "127.0.0.1", "203.0.113.5", "127.0.0.1"),  # no proxy configured: the header is not read
        (1, "127.0.0.1", "203.0.113.5", "203.0.113.5"),
        (1, "127.0.0.1", "10.0.0.1, 203.0.113.5", "203.0.113.5"),  # the client's own entry is ignored
        (2, "127.0.0.1", "10.0.0.1, 203.0.113.5, 192.0.2.10", "203.0.113.5"),  # a load balancer, then nginx
        (1, "::1", "2001:db8::5", "2001:db8::5"),
        (1, "", "203.0.113.5", "203.0.113.5"),  # gunicorn on a Unix socket
        (1, "198.51.100.1", "203.0.113.5", "198.51.100.1"),  # not from a trusted proxy: its own address
        (1, "127.0.0.1", "", "127.0.0.1"),  # a direct request on the server
        (2, "127.0.0.1", "203.0.113.5", "127.0.0.1"),  # fewer entries than proxies
        (1, "127.0.0.1", "not-an-address", "127.0.0.1"),
    ],
)
def test_client_ip(rf, settings, count, remote, forwarded, expected):
    from cpdash.proxies import client_ip

    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_without_proxy_settings_the_address_is_remote_addr():
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "cpdash.proxies.client_ip"
    assert django_settings.TRUSTED_PROXY_COUNT == 0  # unset in the test environment: REMOTE_ADDR
    assert django_settings.TRUSTED_PROXY_IPS == ["127.0.0.1", "::1"]
