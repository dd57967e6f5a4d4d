"""targets.views: the JSON API (login required, 400 on bad parameters, pinned query counts)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import builders as b
from tests.programmes.conftest import grant
from tests.targets.conftest import small_world

pytestmark = pytest.mark.django_db

URL = "/api/indicators.json"
TARGET_FIELDS = {
    "target_id",
    "indicator",
    "label",
    "scope",
    "phase",
    "unit",
    "as_of",
    "value",
    "numerator",
    "denominator",
    "target_min",
    "target_max",
    "deadline",
    "baseline",
    "baseline_on",
    "expected_now",
    "status",
    "status_label",
    "value_year_ago",
    "projected_at_deadline",
    "needed_facilities",
    "needed_per_month",
    "current_per_month",
    "q1",
    "q3",
    "share_reaching",
    "breakdown",
    "explain_url",
}
#: Session, user, user and group permissions (targets.view_target), savepoint and release
#: (ATOMIC_REQUESTS), programme, targets, facility counts, unit counts, quartiles, completeness.
INDICATORS_QUERIES = 12


@pytest.fixture
def manager(client, manager_user):
    client.force_login(grant(manager_user, "targets.view_target"))
    return client


def test_login_required(client, interview_year):
    response = client.get(URL, {"as_of": "2012-12-31"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_get_only(manager, interview_year):
    assert manager.post(URL).status_code == 405


def test_url_name():
    assert reverse("targets:indicators") == URL


class TestIndicators:
    def test_shape_and_values(self, manager, interview_year):
        response = manager.get(URL, {"as_of": "2012-12-31", "programme": "hanoi-cp"})
        assert response.status_code == 200
        data = response.json()
        assert data["as_of"] == "2012-12-31"
        assert data["programme"] == {"slug": "hanoi-cp", "name": "Hanoi CP programme"}
        assert data["by"] is None and data["outputs"] is None
        assert len(data["targets"]) == 5
        assert all(set(row) == TARGET_FIELDS for row in data["targets"])
        aware = next(row for row in data["targets"] if row["indicator"] == "awareness")
        assert {k: aware[k] for k in ("value", "numerator", "denominator", "status", "deadline", "target_max")} == {
            "value": 15.0,
            "numerator": 15,
            "denominator": 100,
            "status": "off_track",
            "deadline": "2015-12-31",
            "target_max": None,
        }
        saving = next(row for row in data["targets"] if row["indicator"] == "saving")
        assert (saving["value"], saving["target_min"], saving["target_max"], saving["status"]) == (6.3, 5.0, 8.0, "met")
        assert data["completeness"]["never_reached"] == 85

    def test_breakdown_rows_when_asked(self, manager, interview_year):
        data = manager.get(URL, {"as_of": "2012-12-31", "by": "area_type"}).json()
        aware = next(row for row in data["targets"] if row["indicator"] == "awareness")
        assert aware["breakdown"] == [
            {
                "key": "craft_village",
                "label": "craft village (làng nghề)",
                "numerator": 10,
                "denominator": 10,
                "value": 100.0,
            },
            {
                "key": "industrial_zone",
                "label": "industrial zone (KCN)",
                "numerator": 5,
                "denominator": 10,
                "value": 50.0,
            },
            {"key": None, "label": "not in a production area", "numerator": 0, "denominator": 80, "value": 0.0},
        ]
        coverage = next(row for row in data["targets"] if row["indicator"] == "specialist_coverage")
        assert coverage["breakdown"] == []

    def test_outputs_from(self, manager, interview_year):
        data = manager.get(URL, {"as_of": "2012-12-31", "from": "2012-01-01"}).json()
        assert data["outputs"]["leaflets"] == 5000
        assert data["outputs"]["facilities_newly_reached"] == 10

    def test_defaults_today_and_the_running_programme(self, manager, interview_year):
        data = manager.get(URL).json()
        assert data["as_of"] == timezone.localdate().isoformat()
        assert data["programme"]["slug"] == "hanoi-cp"

    def test_no_programme_yet(self, manager):
        data = manager.get(URL, {"as_of": "2012-12-31"}).json()
        assert (data["programme"], data["targets"]) == (None, [])

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"as_of": "2012-13-01"}, "as_of: “2012-13-01” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
            ({"as_of": "12/31/2012"}, "as_of: “12/31/2012” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
            ({"as_of": "20121231"}, "as_of: “20121231” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
            # A NUL anywhere in the request is refused before the view (cpdash's middleware, D8).
            ({"as_of": "2012-12-31\x00"}, "The request holds a NUL character: correct the address."),
            ({"as_of": "2999-01-01"}, "as_of: 2999-01-01 is in the future: enter today ({today}) or an earlier date."),
            ({"as_of": "0001-01-01"}, "as_of: 0001-01-01 is too early: enter 1900-01-01 or a later date."),
            ({"from": "soon"}, "from: “soon” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
            ({"from": "0001-01-01"}, "from: 0001-01-01 is too early: enter 1900-01-01 or a later date."),
            ({"programme": "nowhere"}, "Unknown programme “nowhere”."),
            ({"programme": "hanoi-cp\x00"}, "The request holds a NUL character: correct the address."),
            ({"by": "colour"}, "Unknown by “colour”: use one of sector, unit, area_type, kind."),
        ],
    )
    def test_bad_parameters(self, manager, interview_year, params, message):
        response = manager.get(URL, params)
        assert response.status_code == 400
        assert response.json() == {"error": message.format(today=timezone.localdate())}

    def test_error_is_translated(self, manager, interview_year):
        manager.cookies["django_language"] = "vi"  # chosen with the VI/EN switch
        response = manager.get(URL, {"as_of": "x"})
        assert response.status_code == 400 and "x" in response.json()["error"]
        response = manager.get(URL, {"as_of": "2999-01-01"})
        assert response.status_code == 400 and "tương lai" in response.json()["error"]

    @pytest.mark.parametrize("language", ["vi", "en"])
    def test_error_dates_stay_iso(self, manager, interview_year, language):
        """The API's messages quote dates in ISO, as its callers write them, in either language
        (the dashboard's form writes them day first: cpdash.dates.local_day)."""
        manager.cookies["django_language"] = language
        response = manager.get(URL, {"as_of": "31/12/9999"})
        error = response.json()["error"]
        assert response.status_code == 400
        assert error.startswith("as_of: 9999-12-31 ") and f"({timezone.localdate().isoformat()})" in error

    @pytest.mark.parametrize(("value", "day"), [("31/12/2012", "2012-12-31"), (" 2012-12-31 ", "2012-12-31")])
    def test_vietnamese_day_first_dates(self, manager, interview_year, value, day):
        assert manager.get(URL, {"as_of": value}).json()["as_of"] == day

    def test_today_is_accepted(self, manager, interview_year):
        today = timezone.localdate().isoformat()
        assert manager.get(URL, {"as_of": today}).json()["as_of"] == today

    @pytest.mark.parametrize("n", [3, 30])
    def test_query_count_does_not_grow_with_the_data(self, manager, django_assert_num_queries, n):
        small_world(n)
        with django_assert_num_queries(INDICATORS_QUERIES):
            response = manager.get(URL, {"as_of": "2012-12-31"})
        data = response.json()
        assert next(row for row in data["targets"] if row["indicator"] == "awareness")["numerator"] == n

    @pytest.mark.parametrize("n", [3, 30])
    def test_query_count_with_a_breakdown(self, manager, django_assert_num_queries, n):
        small_world(n)
        # + facilities by unit, units by unit, unit names, medians by unit.
        with django_assert_num_queries(INDICATORS_QUERIES + 4):
            response = manager.get(URL, {"as_of": "2012-12-31", "by": "unit"})
        aware = next(row for row in response.json()["targets"] if row["indicator"] == "awareness")
        assert len(aware["breakdown"]) == n


class TestExplain:
    def test_explain_url_lists_the_facilities_behind(self, manager, interview_year):
        data = manager.get(URL, {"as_of": "2012-12-31"}).json()
        aware = next(row for row in data["targets"] if row["indicator"] == "awareness")
        target = interview_year.targets["awareness"]
        assert aware["explain_url"] == f"/api/targets/{target.pk}/behind.json?as_of=2012-12-31"
        behind = manager.get(aware["explain_url"]).json()
        assert behind["count"] == 15
        first = behind["results"][0]
        assert first["code"] == "F000"
        assert first["since"] == "2011-06-01"
        assert first["evidence"] == {
            "attendance": "2011-06-01",
            "solution": "2012-09-01",
            "demonstration_host": "2012-03-01",
        }

    def test_denominator_and_paging(self, manager, interview_year):
        url = reverse("targets:behind", args=[interview_year.targets["application"].pk])
        data = manager.get(url, {"as_of": "2012-12-31", "denominator": "1", "limit": "10", "offset": "95"}).json()
        assert data["count"] == 100
        assert [row["code"] for row in data["results"]] == ["F095", "F096", "F097", "F098", "F099"]

    def test_units_behind_specialist_coverage(self, manager, interview_year):
        url = reverse("targets:behind", args=[interview_year.targets["specialist_coverage"].pk])
        data = manager.get(url, {"as_of": "2012-12-31"}).json()
        assert data["count"] == 10
        assert {"id", "name", "specialist"} == set(data["results"][0])

    def test_savings_behind(self, manager, interview_year):
        url = reverse("targets:behind", args=[interview_year.targets["saving"].pk])
        data = manager.get(url, {"as_of": "2012-12-31"}).json()
        assert [(row["code"], row["saving"]) for row in data["results"]] == [
            ("F000", 5.0),
            ("F001", 5.5),
            ("F002", 6.0),
            ("F005", 7.0),
            ("F010", 6.5),
            ("F014", 8.0),
        ]

    def test_unknown_target_and_bad_parameters(self, manager, interview_year):
        assert manager.get("/api/targets/999999/behind.json").status_code == 404
        url = reverse("targets:behind", args=[interview_year.targets["awareness"].pk])
        assert manager.get(url, {"as_of": "nope"}).status_code == 400
        assert manager.get(url, {"limit": "-1"}).status_code == 400
        for as_of in ("2999-01-01", "0001-01-01"):
            response = manager.get(url, {"as_of": as_of})
            assert response.status_code == 400 and response.json()["error"].startswith("as_of: ")
        assert manager.get(url, {"as_of": "2012-12-31\x00"}).status_code == 400  # refused before the view (D8)

    def test_login_required(self, client, interview_year):
        url = reverse("targets:behind", args=[interview_year.targets["awareness"].pk])
        assert client.get(url).status_code == 302

    @pytest.mark.parametrize("n", [3, 30])
    def test_query_count(self, manager, django_assert_num_queries, n):
        world = small_world(n)
        url = reverse("targets:behind", args=[world.targets["awareness"].pk])
        # Session, user, user and group permissions, savepoint, target, count, page, release.
        with django_assert_num_queries(9):
            assert len(manager.get(url, {"as_of": "2012-12-31"}).json()["results"]) == n


class TestSeries:
    URL = "/api/indicators/series.json"

    def test_shape(self, manager, interview_year):
        data = manager.get(self.URL, {"as_of": "2012-12-31", "freq": "year"}).json()
        assert data["freq"] == "year"
        aware = next(row for row in data["targets"] if row["indicator"] == "awareness")
        assert aware["points"] == [
            {"day": "2011-12-31", "numerator": 6, "denominator": 102, "value": 5.9},
            {"day": "2012-12-31", "numerator": 15, "denominator": 100, "value": 15.0},
        ]

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"freq": "week"}, "Unknown freq “week”: use one of month, quarter, year."),
            ({"as_of": "2012-02-30"}, "as_of: “2012-02-30” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
            ({"as_of": "2999-01-01"}, "as_of: 2999-01-01 is in the future: enter today ({today}) or an earlier date."),
            ({"as_of": "0001-01-01"}, "as_of: 0001-01-01 is too early: enter 1900-01-01 or a later date."),
            ({"as_of": "\x00"}, "The request holds a NUL character: correct the address."),
            ({"programme": "\x00"}, "The request holds a NUL character: correct the address."),
        ],
    )
    def test_bad_parameters(self, manager, interview_year, params, message):
        response = manager.get(self.URL, params)
        assert response.status_code == 400
        assert response.json() == {"error": message.format(today=timezone.localdate())}

    def test_too_many_periods(self, manager, interview_year):
        # Monthly from a 1990 baseline to 2012 is more than 240 periods.
        b.target(interview_year.phase, indicator="awareness", target_min=50, baseline_on=dt.date(1990, 1, 1))
        response = manager.get(self.URL, {"as_of": "2012-12-31"})
        assert response.status_code == 400 and "Too many periods" in response.json()["error"]

    @pytest.mark.parametrize("n", [3, 30])
    def test_query_count(self, manager, django_assert_num_queries, n):
        small_world(n)
        # Session, user, user and group permissions, savepoint, programme, targets, facility counts,
        # unit counts, medians, release.
        with django_assert_num_queries(11):
            data = manager.get(self.URL, {"as_of": "2015-12-31"}).json()
        assert all(len(row["points"]) == 60 for row in data["targets"])


def test_behind_dates_before_the_programme(manager, db):
    target = b.target(indicator="awareness")
    url = reverse("targets:behind", args=[target.pk])
    assert manager.get(url, {"as_of": dt.date(2000, 1, 1).isoformat()}).json()["count"] == 0
