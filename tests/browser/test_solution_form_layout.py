"""The CP solution form's savings table fits its box, in Chromium (static/css/forms.css).

A saving known only as the percentage the facility reported reads "7,5%" and, below it, why
("do cơ sở báo cáo, không có giá trị cơ sở đo được"). On one line that explanation made the
table 1,334 px wide in a 1,098 px box at 1280 px: the row's "Xóa" (delete) box and the row
errors below it were out of sight. On a phone the rows are stacked and fit the screen.

The browser fixtures are this folder's (tests/browser/conftest.py): Chromium at
/usr/bin/chromium against the live server, skipped without it; pages in Vietnamese.
"""

import pytest
from django.contrib.auth.models import Group, User

from cpdash.roles import STAFF, ensure_groups
from tests.browser.conftest import sign_in, wait_until

# One worker runs every test that starts servers (see tests/browser/conftest.py).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("servers")]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
REPORTED = "7,5"

#: Where the savings table and what must stay in sight lie: the table and its box (the
#: fieldset, which scrolls what is too wide), the viewport, each row's delete box and each
#: row error's message, as {left, right}.
MEASURE = """() => {
  const table = document.querySelector('table.rows.savings');
  const box = table.closest('fieldset');
  const edges = (element) => {
    const rect = element.getBoundingClientRect();
    return {left: rect.left, right: rect.right};
  };
  return {
    table: edges(table),
    tableWidth: table.scrollWidth,
    box: edges(box),
    boxScrollWidth: box.scrollWidth,
    boxClientWidth: box.clientWidth,
    viewportWidth: document.documentElement.clientWidth,
    documentWidth: document.documentElement.scrollWidth,
    deletes: [...table.querySelectorAll('input[name$="-DELETE"]')].map(edges),
    errors: [...table.querySelectorAll('ul.errorlist li')].map(edges),
  };
}"""


@pytest.fixture
def staff_member(db) -> None:
    ensure_groups()
    User.objects.create_user("nhanvien", password="nhanvien-pass-123").groups.add(Group.objects.get(name=STAFF))


def _fill_savings(page) -> None:
    """Row 1: water, only the reported saving (no baseline: shown as reported); row 2: energy
    measured, consumption rising (after above the baseline: a row error, once posted)."""
    page.select_option("#id_savings-0-resource", "water")
    page.fill("#id_savings-0-reported_percent", REPORTED)
    wait_until(page, "document.querySelector('[data-saving]').textContent.includes('(')")
    page.select_option("#id_savings-1-resource", "energy")
    page.select_option("#id_savings-1-unit", "kWh")
    page.fill("#id_savings-1-baseline", "100")
    page.fill("#id_savings-1-after", "120")


def _assert_in_sight(layout: dict) -> None:
    """The table fits its box, and every delete box and row error lies within the box and
    the viewport."""
    box, viewport = layout["box"], layout["viewportWidth"]
    assert layout["documentWidth"] <= viewport, layout
    assert layout["boxScrollWidth"] <= layout["boxClientWidth"], layout
    assert layout["table"]["right"] <= box["right"], layout
    assert layout["deletes"], layout
    for element in [*layout["deletes"], *layout["errors"]]:
        assert box["left"] <= element["left"] and element["right"] <= box["right"], (element, layout)
        assert element["left"] >= 0 and element["right"] <= viewport, (element, layout)


@pytest.mark.usefixtures("staff_member")
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_a_reported_saving_keeps_the_savings_table_in_its_box(live_server, browser, viewport):
    context = browser.new_context(locale="vi-VN", viewport=viewport)
    page = context.new_page()
    try:
        sign_in(page, live_server, "nhanvien", "nhanvien-pass-123")
        page.goto(f"{live_server.url}/record/solutions/new/")
        _fill_savings(page)
        output = page.locator("[data-saving]").first
        assert output.inner_text().startswith(f"{REPORTED}%"), output.inner_text()
        assert "(" in output.inner_text()
        _assert_in_sight(page.evaluate(MEASURE))

        # Posted (the solution itself is missing: nothing is saved), the server shows the same
        # row, and the rising row's error with its confirmation box.
        page.locator("form.record button[type=submit]").last.click()
        page.wait_for_load_state("networkidle")
        assert page.locator("label.confirm").count() == 1
        assert page.locator("[data-saving]").first.inner_text().startswith(f"{REPORTED}%")
        layout = page.evaluate(MEASURE)
        assert layout["errors"], layout
        _assert_in_sight(layout)
    finally:
        context.close()
