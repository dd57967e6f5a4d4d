"""Pasted facility codes are resolved as they are pasted, in Chromium: the names, their
count, and the unknown codes flagged before the form is saved (static/js/attendance.js)."""

import pytest
from django.contrib.auth.models import Group, User

from cpdash.roles import STAFF, ensure_groups
from tests import builders
from tests.browser.conftest import sign_in, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("servers")]


def test_pasted_codes_show_their_names_and_unknown_codes_at_once(live_server, page):
    ensure_groups()
    staff = User.objects.create_user("paster", password="paster-pass-123")
    staff.groups.add(Group.objects.get(name=STAFF))
    unit = builders.unit("Gia Lâm")
    builders.facility(code="0101", name="Gốm Bát Tràng", unit=unit)
    builders.facility(code="0102", name="Dệt Vạn Phúc", unit=unit)
    sign_in(page, live_server, "paster", "paster-pass-123")

    page.goto(f"{live_server.url}/record/activities/new/")
    page.fill("#id_paste", "0101\n0102\nX9\n")
    wait_until(page, "document.querySelector('[data-paste-result] .paste-unknown') !== null")

    result = page.locator("[data-paste-result]").inner_text()
    assert "Tìm thấy 2 cơ sở." in result
    assert "Gốm Bát Tràng — Gia Lâm" in result and "Dệt Vạn Phúc" in result
    assert "1 mã không tồn tại: X9." in result
    assert page.console_problems == []
