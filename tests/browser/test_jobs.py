"""A large facility upload in Chromium: the admin is sent to the job's page, which
updates itself while the job runs (static/js/job.js), offers the confirm after the
check, and ends with the facilities imported.

The worker runs in this test's thread while the page is away (about:blank): on
in-memory SQLite the live server shares this thread's database connection, and using
it from both threads at once could corrupt it. The page's live updates are checked
with answers of the status URL given by Playwright (page.route)."""

import json
import re

import pytest
from django.core.management import call_command

from facilities.models import Facility
from jobs.models import Job
from tests import builders
from tests.browser.conftest import sign_in, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("servers")]


def work_the_queue(page) -> None:
    page.goto("about:blank")  # no polling while the worker uses the connection
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def test_a_large_upload_is_checked_confirmed_and_imported_by_a_job(live_server, page, settings, admin_user, tmp_path):
    settings.IMPORT_BACKGROUND_ROWS = 2
    builders.sector("Gốm sứ")
    builders.unit("Gia Lâm")
    upload = tmp_path / "danh-sach.csv"
    lines = ["code,name,sector,unit"] + [f"F{n},Cơ sở {n},Gốm sứ,Gia Lâm" for n in range(5)]
    upload.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sign_in(page, live_server, "admin", "admin-pass-123")

    page.goto(f"{live_server.url}/admin/facilities/facility/import/")
    page.set_input_files("input[name=import_file]", str(upload))
    page.select_option("select[name=format]", index=1)  # CSV (index 0 is the "---" choice)
    page.locator("form input[type=submit], form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]+/$"))
    page.wait_for_load_state("networkidle")
    job = Job.objects.get()
    assert page.url.endswith(f"/jobs/{job.pk}/")
    assert page.locator("[data-job-field=status_label]").inner_text() == "Đang chờ bộ xử lý nền"

    # Live: the page shows the counts the status URL answers, and reloads when the status changes.
    status = {"status": "queued", "status_label": "x", "step": "check", "total": 5, "validated": 3}
    status.update({"written": 0, "error_count": 0, "phase": "", "cancel_requested": False, "finished": False})
    page.route("**/status.json", lambda route: route.fulfill(content_type="application/json", body=json.dumps(status)))
    wait_until(page, "document.querySelector('[data-job-field=validated]').textContent === '3'")
    assert page.locator("[data-job-field=phase]").is_hidden()
    assert page.locator("[data-job-progress]").get_attribute("value") == "3"
    # After its last row the job says what it still does, and the bar shows it busy (no value).
    status.update({"validated": 5, "phase": "Đang hoàn tất việc kiểm tra"})
    wait_until(page, "document.querySelector('[data-job-field=phase]').textContent === 'Đang hoàn tất việc kiểm tra'")
    assert page.locator("[data-job-field=phase]").is_visible()
    assert page.locator("[data-job-progress]").get_attribute("value") is None
    with page.expect_navigation(timeout=10_000):  # the page reloads itself on the new status
        status["status"] = "checking"
    page.unroute("**/status.json")

    work_the_queue(page)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    assert "Đã kiểm tra" in page.locator("[data-job-field=status_label]").inner_text()
    assert "cơ sở mới: 5" in page.locator(".job ul").first.inner_text()
    page.get_by_role("button", name="Xác nhận nhập").click()
    page.wait_for_load_state("networkidle")
    assert "Đang chờ bộ xử lý nền" in page.locator("[data-job-field=status_label]").inner_text()

    work_the_queue(page)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    assert page.locator("[data-job-field=status_label]").inner_text() == "Hoàn tất"
    assert page.locator("[data-job-field=written]").inner_text() == "5"
    assert Facility.objects.count() == 5
    assert not page.console_problems
