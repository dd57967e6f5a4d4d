"""Data tables on a phone, in Chromium (static/css/cpdash.css): a list wider than the screen
scrolls sideways in its own box (.table-container), the page does not; its words stay whole
(codes, dates, "Khu vực sản xuất" were broken one letter a line, pages 15,000–45,000 px tall).
And on a desktop, the CP solution form's savings selects are as wide as their choices
(static/css/forms.css: "năng lư" for "năng lượng").

The browser fixtures are this folder's (tests/browser/conftest.py): Chromium at
/usr/bin/chromium against the live server, skipped without it; pages in Vietnamese.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User

from cpdash.roles import MANAGERS, STAFF, ensure_groups
from facilities.models import ProductionArea
from programmes.models import Solution
from tests import builders
from tests.browser.conftest import sign_in

# One worker runs every test that starts servers (see tests/browser/conftest.py).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("servers")]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

#: The layout of a page's data table: the document's and the table box's widths, the first
#: row's height, and the words broken across lines in the headings and the first rows (a word:
#: a run of non-space characters in one text node; broken when its text spans more than one line).
MEASURE = """(selector) => {
  const box = document.querySelector(selector);
  const table = box.querySelector('table');
  const broken = [];
  for (const cell of table.querySelectorAll('thead th, tbody tr:nth-child(-n+3) td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  }
  return {
    documentWidth: document.documentElement.scrollWidth,
    viewportWidth: document.documentElement.clientWidth,
    boxScrollWidth: box.scrollWidth,
    boxClientWidth: box.clientWidth,
    firstRowHeight: table.tBodies[0].rows[0].getBoundingClientRect().height,
    broken,
  };
}"""


@pytest.fixture
def records(db) -> dict[str, str]:
    """A few facilities with long Vietnamese names, each with a survey, an activity and a
    solution; a target, so that the dashboard has a phase; a manager and a staff member.
    Returns the dashboard's URL path."""
    ensure_groups()
    for name, group in (("quanly", MANAGERS), ("nhanvien", STAFF)):
        User.objects.create_user(name, password=f"{name}-pass-123").groups.add(Group.objects.get(name=group))
    unit = builders.unit("Phường Bắc Từ Liêm")
    sector = builders.sector("Chế biến thực phẩm")
    area = builders.area("Cụm công nghiệp vừa và nhỏ Từ Liêm", unit=unit, kind=ProductionArea.Kind.INDUSTRIAL_CLUSTER)
    for n in range(6):
        facility = builders.facility(
            code=f"01000162{n:02d}",
            name=f"Công ty Cổ phần Thực phẩm Từ Liêm số {n}",
            sector=sector,
            unit=unit,
            area=area,
            employees=120 + n,
        )
        builders.survey(facility, surveyors="Trung tâm Tiết kiệm năng lượng Hà Nội: Nguyễn Minh An, Lê Văn Hải")
        builders.activity(
            [facility],
            title=f"Hội thảo sản xuất sạch hơn ngành chế biến thực phẩm {n}",
            unit=unit,
            participants=40,
        )
        builders.solution(
            facility,
            savings={"energy": (100, 94), "water": (50, 45)},
            description="Thu hồi nước ngưng quay lại lò hơi",
            investment=1_703_468_000,
        )
    builders.specialist(unit, name="Nguyễn Thị Thu Hương", position="Chuyên viên Phòng Kinh tế")
    builders.demonstration(facility, replicated_at=[builders.facility(code="0100016299", sector=sector, unit=unit)])
    target = builders.target(builders.phase(builders.programme()))
    return f"/dashboard/?phase={target.phase.pk}&as_of={dt.date(2013, 12, 31).isoformat()}"


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="vi-VN", viewport=PHONE)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(
    ("user", "path", "box"),
    [
        ("quanly", "/facilities/", ".table-container"),
        ("quanly", "/facilities/reach-next/", ".table-container"),
        ("quanly", "dashboard", "#units .table-container"),
        ("nhanvien", "/record/surveys/", ".table-container"),
        ("nhanvien", "/record/activities/", ".table-container"),
        ("nhanvien", "/record/solutions/", ".table-container"),
    ],
)
def test_a_wide_table_scrolls_in_its_box_with_its_words_whole_on_a_phone(live_server, phone, records, user, path, box):
    sign_in(phone, live_server, user, f"{user}-pass-123")
    phone.goto(f"{live_server.url}{records if path == 'dashboard' else path}")
    layout = phone.evaluate(MEASURE, box)
    # The page does not scroll sideways; the table does, in its box.
    assert layout["documentWidth"] <= layout["viewportWidth"], layout
    assert layout["boxScrollWidth"] > layout["boxClientWidth"], layout
    # No word (a code, a date, a number, a heading's word) is broken across lines.
    assert layout["broken"] == [], layout
    # A row of a few lines, not a column of letters (the first row was 282–845 px tall).
    assert layout["firstRowHeight"] < 160, layout
    # A shadow at the side where more of the table is (the box's background, under a clear table).
    look = phone.evaluate(
        "box => { const b = document.querySelector(box); return [getComputedStyle(b).backgroundImage, "
        "getComputedStyle(b.querySelector('table')).backgroundColor]; }",
        box,
    )
    assert look[0].count("radial-gradient") == 2 and look[1] == "rgba(0, 0, 0, 0)", look


@pytest.mark.parametrize(
    ("user", "path", "box"),
    [
        ("nhanvien", "/record/specialists/", ".table-scroll"),
        ("nhanvien", "/record/replications/", ".table-scroll"),
        ("quanly", "dashboard", ".outputs .table-scroll"),
    ],
)
def test_every_other_table_keeps_its_words_whole_in_its_box_on_a_phone(live_server, phone, records, user, path, box):
    """The tables outside django-tables2 (specialists, replications, the dashboard's outputs, the
    register's versions, the report): the same box, whether or not they are wider than the screen
    (replications' dates read "30/1 1/20 15", the outputs' years "20/16")."""
    sign_in(phone, live_server, user, f"{user}-pass-123")
    phone.goto(f"{live_server.url}{records if path == 'dashboard' else path}")
    layout = phone.evaluate(MEASURE, box)
    assert layout["documentWidth"] <= layout["viewportWidth"], layout
    assert layout["broken"] == [], layout
    assert layout["firstRowHeight"] < 160, layout


def test_a_facility_code_is_one_line_on_a_phone(live_server, phone, records):
    sign_in(phone, live_server, "quanly", "quanly-pass-123")
    phone.goto(f"{live_server.url}/facilities/")
    code = phone.locator(".table-container tbody tr").first.locator("td").first
    assert code.inner_text() == "0100016200"
    line = phone.evaluate("(td) => parseFloat(getComputedStyle(td).lineHeight)", code.element_handle())
    assert code.locator("a").bounding_box()["height"] < 1.5 * line


def test_the_savings_selects_show_their_choices_whole_on_a_desktop(live_server, browser, records):
    context = browser.new_context(locale="vi-VN", viewport=DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, live_server, "nhanvien", "nhanvien-pass-123")
        solution = Solution.objects.order_by("pk").first()
        page.goto(f"{live_server.url}/record/solutions/{solution.pk}/")
        # Each select at least as wide as it is with no width set (its widest choice).
        widths = page.evaluate(
            """() => [...document.querySelectorAll('table.savings tbody tr:first-child select')]
                 .filter(s => /-(resource|unit)$/.test(s.name))
                 .map(s => {
                   const free = s.cloneNode(true);
                   free.style.cssText = 'width: max-content; min-width: 0; position: absolute';
                   document.body.append(free);
                   const needed = free.offsetWidth;
                   free.remove();
                   return {name: s.name, width: s.offsetWidth, needed};
                 })"""
        )
        assert len(widths) == 2, widths
        assert all(w["width"] >= w["needed"] for w in widths), widths
        # The savings table still fits the page.
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    finally:
        context.close()
