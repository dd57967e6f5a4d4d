"""Random and malformed input to every staff recording form and every filter form.

Property-based (hypothesis): whatever is posted — text in any script, control
characters, huge, negative or non-finite numbers, impossible dates, very long
strings, repeated or missing formset fields — a page never fails (no 500), an
invalid post says why, and a post writes either nothing or exactly one whole
record with its rows. Each example runs in a savepoint that is rolled back, so
examples start from the same data.
"""

import datetime as dt
import html

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from programmes.models import (
    CPOption,
    OutreachActivity,
    Replication,
    Resource,
    Solution,
    Specialist,
    Survey,
    TechnicalSupport,
)
from tests import builders
from tests.programmes.conftest import grant
from tests.responses import body

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OK_STATUSES = {200, 302, 400, 403, 404}
DOMAIN_APPS = ("facilities", "programmes", "targets")

# --- Strategies ---------------------------------------------------------------------------

MALFORMED = [
    "",
    " ",
    "2012-02-30",
    "31/13/2012",
    "0000-00-00",
    "9999-12-31",
    "2012-6-1",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1",
    "-0",
    "0",
    "99999999999999999999999999999999",
    "-99999999999999999999999999999999",
    "1,5",
    "1.5.5",
    "0x1F",
    "١٢٣",  # Arabic-Indic digits
    "Bát Tràng",
    "Đông Anh",
    "Cơ sở sản xuất gốm sứ Minh Long ở làng nghề",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\u202egnp.exe",
    "\ufeff",
    "<script>alert(1)</script>",
    "'; DROP TABLE facilities_facility; --",
    '=HYPERLINK("http://x")',
    "x" * 300,
    "ộ" * 5000,
]

#: Text of any kind: Vietnamese letters, controls (C0 and C1), surrogates excluded (not encodable).
ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from("àáảãạăắằẳẵặâấầẩẫậđĐêếềểễệôốồổỗộơớờởỡợưứừửữựỳýỷỹỵ\t\r\n\x00\x07\x85\x9f"),
    ),
    max_size=60,
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
DATES = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(dt.date.isoformat),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.tuples(st.integers(-5, 40), st.integers(-5, 40), st.integers(-10, 10000)).map(lambda t: "{}/{}/{}".format(*t)),
)
BAD = st.one_of(st.sampled_from(MALFORMED), ANY_TEXT, NUMBERS, DATES)


def field(*good: object) -> st.SearchStrategy:
    """A form value: mostly a plausible one (so that posts get far, even to a save), often a bad one."""
    plausible = st.sampled_from([str(g) for g in good]) if good else BAD
    return st.one_of(plausible, plausible, BAD)


def post_data(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """Query or post data with each field present or left out; a present field may
    be repeated (two values for one name, as a duplicated formset prefix posts)."""

    def one(strategy: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(strategy, st.lists(strategy, min_size=2, max_size=3))

    return st.fixed_dictionaries({}, optional={name: one(strategy) for name, strategy in fields.items()})


@st.composite
def mutated(draw, valid: dict[str, object], fields: dict[str, st.SearchStrategy]) -> dict[str, object]:
    """``valid`` (a complete, valid post) with a few changes: some fields given other
    plausible values, some a malformed value, some left out or repeated. With no
    change the post saves, so examples explore both sides of every check."""
    data = {name: str(value) for name, value in valid.items()}
    names = sorted(set(data) | set(fields))
    for name in draw(st.lists(st.sampled_from(sorted(fields)), max_size=4, unique=True)):
        data[name] = draw(fields[name])
    for name in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)):
        data[name] = draw(BAD)
    for name in draw(st.lists(st.sampled_from(names), max_size=2, unique=True)):
        if draw(st.booleans()):
            data.pop(name, None)
        else:
            data[name] = [data.get(name, ""), draw(fields.get(name, BAD))]
    return data


def formset(prefix: str, rows: dict[str, st.SearchStrategy], max_forms: int = 3) -> dict[str, st.SearchStrategy]:
    """Fields of a formset: its management form and up to ``max_forms`` rows."""
    fields = {
        f"{prefix}-TOTAL_FORMS": field(*range(max_forms + 1), 1000, -1),
        f"{prefix}-INITIAL_FORMS": field(0, 1),
        f"{prefix}-MIN_NUM_FORMS": field(0),
        f"{prefix}-MAX_NUM_FORMS": field(1000),
    }
    for index in range(max_forms):
        fields.update({f"{prefix}-{index}-{name}": strategy for name, strategy in rows.items()})
    return fields


def management(prefix: str, total: int) -> dict[str, object]:
    return {f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": 0}


# --- Checks -----------------------------------------------------------------------------------


def domain_models() -> list[type[Model]]:
    return [m for app in DOMAIN_APPS for m in apps.get_app_config(app).get_models()]


def counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in domain_models()}


def record_set(record: Model) -> dict[str, int]:
    """Rows a new ``record`` brings, by model: itself and the rows that point to it."""
    found = {record._meta.label: 1}
    for relation in record._meta.related_objects:
        if relation.one_to_many and not relation.related_model.__name__.startswith("Historical"):
            related = relation.related_model
            linked = related._default_manager.filter(**{relation.field.name: record}).count()
            found[related._meta.label] = found.get(related._meta.label, 0) + linked
    return found


DERIVED = {"programmes.FacilityPathway", "programmes.SavingStep"}


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Non-zero changes of row counts, history tables left out (they record writes, see
    cpdash/concurrency.py), and the pathway (derived from the records: tests/programmes/test_pathway.py)."""
    return {
        label: after[label] - before[label]
        for label in before
        if after[label] != before[label] and ".Historical" not in label and label not in DERIVED
    }


def error_messages(form) -> list[str]:
    messages = [str(m) for errors in form.errors.values() for m in errors]
    for rowset in [*getattr(form, "rowsets", {}).values(), getattr(form, "attendance", None)]:
        if rowset is not None:
            messages += [str(m) for m in rowset.non_form_errors()]
            messages += [str(m) for errors in rowset.errors for ms in errors.values() for m in ms]
    return messages


def check_post(client, url: str, data: dict, model: type[Model] | None, *, creates: bool = True) -> None:
    """Post ``data`` to ``url`` in a rolled-back savepoint; check status, message and writes."""
    with transaction.atomic():
        before = counts()
        response = client.post(url, data)
        after = counts()
        status = response.status_code
        assert status in OK_STATUSES, status
        diff = changed(before, after)
        if status == 302:
            if creates:
                record = model._default_manager.order_by("-pk").first()
                expected = {label: n for label, n in record_set(record).items() if n}
                assert diff == expected, f"partial or extra write: {diff} != {expected}"
            else:
                assert diff == {}
        else:
            assert diff == {}, f"a refused post wrote {diff}"
        if status == 200:
            form = response.context["form"]
            messages = error_messages(form)
            assert messages, "an invalid post must say why"
            content = response.content.decode()
            assert any(html.escape(m) in content or m in content for m in messages), messages
        transaction.set_rollback(True)


# --- Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def world(db) -> dict:
    """An open and a closed facility, a unit, a demonstration model, a specialist in post."""
    sector = builders.sector("Gốm sứ")
    unit = builders.unit("Gia Lâm")
    open_facility = builders.facility(code="F100", sector=sector, unit=unit, opened_on=dt.date(2005, 1, 1))
    closed = builders.facility(
        code="F200", sector=sector, unit=unit, opened_on=dt.date(2005, 1, 1), closed_on=dt.date(2011, 1, 1)
    )
    other = builders.facility(code="F300", sector=sector, unit=unit)
    model = builders.demonstration(open_facility, started_on=dt.date(2012, 3, 1))
    specialist = builders.specialist(unit, appointed_on=dt.date(2012, 1, 1))
    return {"unit": unit, "facilities": [open_facility, closed, other], "model": model, "specialist": specialist}


@pytest.fixture
def staff(client, staff_user, world):
    """A staff member with every permission the recording pages and filter pages ask for."""
    recorded = ("survey", "outreachactivity", "solution", "specialist", "replication")
    perms = [f"programmes.{action}_{model}" for model in recorded for action in ("view", "add", "change")]
    user = grant(staff_user, *perms, "facilities.view_facility", "targets.view_target")
    client.force_login(user)
    client.raise_request_exception = True  # a view's exception fails the test with its traceback
    return client


@pytest.fixture(autouse=True)
def plain_http(settings):
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP


CODES = ("F100", "F200", "F300", "F999", " F100 ", "f100")
PAST = ("2012-06-01", "2013-04-10", "2011-06-01", "2004-01-01")

# --- The recording forms ---------------------------------------------------------------------

SURVEY = {
    "facility": field(*CODES),
    "surveyed_on": field(*PAST),
    "surveyors": field("Nguyễn Văn An", ""),
    "findings": field("Lò nung tiêu thụ nhiều than", ""),
    **formset(
        "options",
        {
            "category": field("good_housekeeping", "technology_change"),
            "description": field("Cách nhiệt lò nung", ""),
            "state": field(*CPOption.State.values),
            "DELETE": field("on", ""),
        },
    ),
    **formset(
        "supports",
        {
            "kind": field(*TechnicalSupport.Kind.values),
            "given_on": field(*PAST),
            "description": field("Hướng dẫn", ""),
        },
        max_forms=2,
    ),
}


SURVEY_VALID = {
    "facility": "F100",
    "surveyed_on": "2012-06-01",
    "surveyors": "Nguyễn Văn An",
    "findings": "Lò nung tiêu thụ nhiều than",
    **management("options", 2),
    "options-0-category": "good_housekeeping",
    "options-0-description": "Cách nhiệt lò nung",
    "options-0-state": "implemented",
    "options-1-category": "technology_change",
    "options-1-description": "Chuyển sang lò gas",
    "options-1-state": "identified",
    **management("supports", 1),
    "supports-0-kind": "technique",
    "supports-0-given_on": "2012-07-01",
    "supports-0-description": "Hướng dẫn vận hành lò",
}


@EXAMPLES
@given(data=mutated(SURVEY_VALID, SURVEY))
def test_survey_form(staff, data):
    check_post(staff, reverse("programmes:survey_create"), data, Survey)


ACTIVITY = {
    "kind": field(*OutreachActivity.Kind.values),
    "title": field("Hội thảo sản xuất sạch hơn"),
    "held_on": field(*PAST),
    "organiser": field("Sở Công Thương", ""),
    "venue": field(""),
    "participants": field(85, "", 0),
    "quantity": field("", 5000),
    "paste": field("F100", "F100\nF300", "F100;F200", "F999", "F100, F100", ""),
    **formset("attendance", {"facility": field(*CODES), "people": field(1, 2, 0), "DELETE": field("on", "")}),
}


ACTIVITY_VALID = {
    "kind": "workshop",
    "title": "Hội thảo sản xuất sạch hơn ngành gốm sứ",
    "held_on": "2012-06-14",
    "organiser": "Sở Công Thương Hà Nội",
    "venue": "UBND huyện Gia Lâm",
    "participants": 85,
    "paste": "F300\n",
    **management("attendance", 1),
    "attendance-0-facility": "F100",
    "attendance-0-people": 2,
}


@EXAMPLES
@given(data=mutated(ACTIVITY_VALID, ACTIVITY), unit=st.booleans())
# Found by this test: a count beyond the column's range failed the save (500).
@example(data={**ACTIVITY_VALID, "attendance-0-people": str(10**20)}, unit=False)
def test_activity_form_with_attendance_and_pasted_codes(staff, world, data, unit):
    if unit:
        data = {**data, "unit": str(world["unit"].pk)}
    check_post(staff, reverse("programmes:activity_create"), data, OutreachActivity)


SOLUTION = {
    "facility": field(*CODES),
    "implemented_on": field(*PAST),
    "category": field("good_housekeeping", "equipment_modification"),
    "description": field("Cách nhiệt lò nung"),
    "investment": field(150000000, "", "1.5"),
    "annual_saving": field(60000000, ""),
    "co2_avoided": field("12.5", "", "12.345"),
    "survey": field(""),
    "demonstration": field(""),
    **formset(
        "savings",
        {
            "resource": field(*Resource.values),
            "unit": field("kWh", "kg", "m3"),
            "product_unit": field("t sản phẩm", ""),
            "baseline": field(420, "0", ""),
            "after": field(380, "", "-5"),
        },
    ),
}


SOLUTION_VALID = {
    "facility": "F100",
    "implemented_on": "2013-09-01",
    "category": "equipment_modification",
    "description": "Cách nhiệt lò nung",
    "investment": 150000000,
    "annual_saving": 60000000,
    "co2_avoided": "12.5",
    **management("savings", 2),
    "savings-0-resource": "energy",
    "savings-0-unit": "kWh",
    "savings-0-product_unit": "t sản phẩm",
    "savings-0-baseline": 420,
    "savings-0-after": 380,
    "savings-1-resource": "water",
    "savings-1-unit": "m3",
    "savings-1-baseline": "10.5",
    "savings-1-after": "8",
}


@EXAMPLES
@given(data=mutated(SOLUTION_VALID, SOLUTION))
# Found by this test: a NUL in the facility code reached PostgreSQL (500) when listing its surveys.
@example(data={**SOLUTION_VALID, "facility": "F100\x00"})
def test_solution_form_with_savings(staff, data):
    check_post(staff, reverse("programmes:solution_create"), data, Solution)


SPECIALIST = {"name": field("Nguyễn Thị Hoa"), "position": field("Chuyên viên", ""), "appointed_on": field(*PAST)}


@EXAMPLES
@given(data=st.data())
def test_specialist_appointment_form(staff, world, data):
    valid = {
        "unit": world["unit"].pk,
        "name": "Nguyễn Thị Hoa",
        "position": "Chuyên viên",
        "appointed_on": "2012-03-01",
    }
    fields = {**SPECIALIST, "unit": field(world["unit"].pk, -1, 0, "999999999999999999999")}
    check_post(staff, reverse("programmes:specialist_appoint"), data.draw(mutated(valid, fields)), Specialist)


@EXAMPLES
@given(data=st.data())
def test_specialist_departure_form(staff, world, data):
    url = reverse("programmes:specialist_departure", args=[world["specialist"].pk])
    form = staff.get(url).context["form"]
    valid = {name: form.initial.get(name) or "" for name in form.fields}  # with the record's version
    valid["left_on"] = "2012-06-01"
    fields = {"left_on": field(*PAST, "2011-12-31", "")}
    check_post(staff, url, data.draw(mutated(valid, fields)), Specialist, creates=False)


REPLICATION = {"facility": field(*CODES), "replicated_on": field(*PAST), "notes": field("", "Lò gas")}


@EXAMPLES
@given(data=st.data())
def test_replication_form(staff, world, data):
    valid = {"model": world["model"].pk, "facility": "F300", "replicated_on": "2012-09-01", "notes": "Lò nung gas"}
    fields = {**REPLICATION, "model": field(world["model"].pk, -1, "x")}
    check_post(staff, reverse("programmes:replication_create"), data.draw(mutated(valid, fields)), Replication)


@pytest.mark.parametrize(
    "url_name", ["programmes:survey_create", "programmes:activity_create", "programmes:solution_create"]
)
def test_missing_management_forms_are_refused_cleanly(staff, world, url_name):
    """A post without any formset management form (a tampered or truncated page)."""
    data = {"facility": "F100", "surveyed_on": "2012-06-01", "kind": "workshop", "title": "T", "held_on": "2012-06-01"}
    data.update({"implemented_on": "2012-06-01", "category": "good_housekeeping", "description": "D"})
    model = {"survey": Survey, "activity": OutreachActivity, "solution": Solution}[url_name.split(":")[1][:-7]]
    check_post(staff, reverse(url_name), data, model)


# --- The filter forms (GET) -------------------------------------------------------------------


def check_get(client, url: str, params: dict) -> None:
    with transaction.atomic():
        before = counts()
        response = client.get(url, params)
        assert response.status_code in OK_STATUSES, response.status_code
        body(response)  # a streamed export runs its query as it is read
        assert changed(before, counts()) == {}
        transaction.set_rollback(True)


FACILITY_FILTERS = {
    "q": field("gốm", "F100", "bat trang"),
    "sector": field(1, ""),
    "unit": field(1, ""),
    "area": field(""),
    "area_kind": field("craft_village", ""),
    "kind": field("household", ""),
    "in_scope": field("true", "false", "1", ""),
    "as_of": field(*PAST, ""),
    "status": field("aware", "applying", "never_reached", ""),
    "target": field(""),
    "sort": field("name", "-code", "bogus"),
    "page": field(1, 2, "last", "-1", "999999999999999999999999"),
    "_export": field("csv", "xlsx", "pdf"),
}


@EXAMPLES
@given(params=post_data(FACILITY_FILTERS))
def test_facility_list_filters(staff, params):
    check_get(staff, reverse("facilities:list"), params)


@EXAMPLES
@given(params=post_data({k: FACILITY_FILTERS[k] for k in ("sector", "unit", "area_kind", "as_of", "page", "_export")}))
def test_reach_next_filters(staff, params):
    check_get(staff, reverse("facilities:reach_next"), params)


DASHBOARD_FILTERS = {
    "phase": field(1, ""),
    "as_of": field(*PAST, ""),
    "sector": field(1, ""),
    "unit": field(1, ""),
    "area_kind": field("craft_village", "industrial_zone", ""),
    "focus": field(1, ""),
}


@pytest.fixture
def dashboard_target(world):
    return builders.target(builders.phase())


@EXAMPLES
@given(params=post_data(DASHBOARD_FILTERS), export=st.sampled_from(["", "csv", "xlsx"]))
def test_dashboard_filters(staff, dashboard_target, params, export):
    url = reverse("targets:dashboard_export", args=[export]) if export else reverse("targets:dashboard")
    check_get(staff, url, params)
