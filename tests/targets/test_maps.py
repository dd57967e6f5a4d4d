"""The map of units (targets/maps.py, targets/map_charts.py, the dashboard's partial): its
values are the unit breakdown's, its units those valid on the date, its cost fixed."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import translation

from facilities import boundaries
from facilities.models import AdministrativeUnit
from targets import map_charts, maps, selectors
from targets.models import Target
from tests import builders as b
from tests.programmes.conftest import grant

D = dt.date
KIND = AdministrativeUnit.Kind


def square(x: float, y: float, size: float = 0.05) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


# --- Values: the unit breakdown's ------------------------------------------------------------------


@pytest.mark.parametrize(
    "indicator", ["awareness", "application", "application_with_saving", "saving", "specialist_coverage"]
)
def test_values_equal_the_unit_breakdown(interview_year, indicator):
    target = Target.objects.select_related("phase", "sector", "unit_scope").get(
        phase=interview_year.phase, indicator=indicator
    )
    found = maps.unit_map(target=target, as_of=D(2012, 12, 31))
    rows = selectors.breakdowns_as_of(targets=[target], as_of=D(2012, 12, 31), by="unit")[target.pk]
    by_unit = {u.unit_id: u for u in found.units}
    assert rows, "the world counts something by unit"
    for row in rows:
        unit = by_unit[row.key]
        assert (unit.numerator, unit.denominator, unit.value) == (row.numerator, row.denominator, row.value)
    # Every unit valid on the date is on the map, those without a row with no data.
    assert len(found.units) == 29
    assert all(u.value is None and u.denominator == 0 for u in found.units if u.unit_id not in {r.key for r in rows})
    # The rows add up to the city's figure.
    city = selectors.target_as_of(target=target, as_of=D(2012, 12, 31))
    assert sum(u.denominator for u in found.units) == city.denominator
    assert sum(u.numerator for u in found.units) == city.numerator


def test_gia_lam_links_to_its_counted_facilities(manager_client, interview_year):
    target = Target.objects.get(phase=interview_year.phase, indicator="awareness")
    found = maps.unit_map(target=target, as_of=D(2012, 12, 31))
    gia_lam = next(u for u in found.units if u.name == "Gia Lâm")
    assert (gia_lam.numerator, gia_lam.denominator, gia_lam.value) == (15, 100, 15.0)
    user = manager_client.get(reverse("targets:dashboard")).wsgi_request.user
    grant(user, "facilities.view_facility")
    manager_client.force_login(user)
    listed = manager_client.get(gia_lam.url)
    assert listed.status_code == 200
    assert listed.context["table"].paginator.count == 15
    assert f"unit={gia_lam.unit_id}" in gia_lam.url and "as_of=2012-12-31" in gia_lam.url


def test_compare_colours_by_the_change_in_points(interview_year):
    target = Target.objects.select_related("phase").get(phase=interview_year.phase, indicator="awareness")
    found = maps.unit_map(target=target, as_of=D(2012, 12, 31), compare=D(2011, 12, 31))
    gia_lam = next(u for u in found.units if u.name == "Gia Lâm")
    # At the end of 2011: 6 of 102 aware (the 2011 workshop; two facilities closed in 2012 still
    # open then); at the end of 2012, 15 of 100.
    assert (gia_lam.before_numerator, gia_lam.before_denominator, gia_lam.before_value) == (6, 102, 5.9)
    assert gia_lam.value == 15.0
    assert gia_lam.change == 9.1
    assert map_charts.colour_value(gia_lam, found) == 9.1
    with translation.override("vi"):
        hover = map_charts.hover_text(gia_lam, found, "vi")
    assert "15,0% (15/100)" in hover and "5,9% (6/102)" in hover and "+9,1" in hover
    assert "31/12/2011" in hover and "31/12/2012" in hover


# --- Units: those valid on the date ---------------------------------------------------------------


@pytest.fixture
def three_periods(db) -> dict[str, AdministrativeUnit]:
    """Từ Liêm until 2013, Bắc and Nam Từ Liêm 2014 to mid-2025, Gia Lâm until mid-2025 with a ward
    of its own (commune level, not drawn while districts exist), and from 2025-07-01 wards only."""
    end = D(2025, 6, 30)
    units = {
        "Từ Liêm": b.unit("Từ Liêm", code="019", valid_until=D(2013, 12, 31), grid_row=0, grid_col=0),
        "Bắc Từ Liêm": b.unit(
            "Bắc Từ Liêm", code="021", kind=KIND.URBAN_DISTRICT, valid_from=D(2014, 1, 1), valid_until=end
        ),
        "Nam Từ Liêm": b.unit(
            "Nam Từ Liêm", code="0191", kind=KIND.URBAN_DISTRICT, valid_from=D(2014, 1, 1), valid_until=end
        ),
        "Gia Lâm": b.unit("Gia Lâm", code="018", valid_until=end, grid_row=0, grid_col=1),
    }
    units["Bắc Từ Liêm"].grid_row, units["Bắc Từ Liêm"].grid_col = 0, 0
    units["Nam Từ Liêm"].grid_row, units["Nam Từ Liêm"].grid_col = 1, 0
    for unit in units.values():
        unit.save()
    units["Trâu Quỳ"] = b.unit("Trâu Quỳ", kind=KIND.TOWNSHIP, parent=units["Gia Lâm"], valid_until=end)
    for name, row in (("Phường Tây Tựu", 0), ("Phường Từ Liêm", 1), ("Xã Gia Lâm", 2)):
        units[name] = b.unit(name, kind=KIND.WARD, valid_from=D(2025, 7, 1), grid_row=row, grid_col=0)
    return units


@pytest.mark.parametrize(
    "day, shown",
    [
        (D(2013, 12, 31), ["Gia Lâm", "Từ Liêm"]),
        (D(2014, 1, 1), ["Bắc Từ Liêm", "Gia Lâm", "Nam Từ Liêm"]),
        (D(2014, 8, 1), ["Bắc Từ Liêm", "Gia Lâm", "Nam Từ Liêm"]),
        (D(2025, 6, 30), ["Bắc Từ Liêm", "Gia Lâm", "Nam Từ Liêm"]),
        (D(2025, 7, 1), ["Phường Tây Tựu", "Phường Từ Liêm", "Xã Gia Lâm"]),
        (D(2026, 6, 30), ["Phường Tây Tựu", "Phường Từ Liêm", "Xã Gia Lâm"]),
    ],
)
def test_units_shown_are_those_valid_on_the_date(three_periods, day, shown):
    assert [unit.name for unit in maps.map_units(day)] == shown


def test_the_map_before_and_after_the_split_and_the_reform(three_periods):
    phase = b.phase()
    target = b.target(phase, indicator="awareness", target_min=50)
    f = b.facility(unit=three_periods["Gia Lâm"])
    b.activity([f], held_on=D(2012, 3, 1))
    before = maps.unit_map(target=target, as_of=D(2013, 6, 30))
    after = maps.unit_map(target=target, as_of=D(2014, 8, 1))
    reform = maps.unit_map(target=target, as_of=D(2026, 6, 30))
    names = [{u.name for u in m.units} for m in (before, after, reform)]
    assert names[0] != names[1] != names[2]
    assert "Từ Liêm" in names[0] and {"Bắc Từ Liêm", "Nam Từ Liêm"} <= names[1]
    assert all(m.drawn_as == maps.TILES for m in (before, after, reform))
    # The tile grid of 2014 puts Bắc Từ Liêm where Từ Liêm was, Nam Từ Liêm under it.
    figure = map_charts.tile_figure(after, language="en")
    labels = figure["data"][0]["text"]
    assert labels[0][0].startswith("Bắc Từ<br>Liêm") and labels[1][0].startswith("Nam Từ<br>Liêm")
    assert labels[0][1].startswith("Gia Lâm")
    values = figure["data"][1]["z"]
    assert values[0][1] == 100.0  # Gia Lâm: its one facility is aware
    assert figure["data"][1]["customdata"][0][1] == next(u.url for u in after.units if u.name == "Gia Lâm")


def test_on_a_phone_the_squares_show_their_figures_and_the_colour_bar_lies_under_the_map(three_periods):
    target = b.target(b.phase(), indicator="awareness", target_min=50)
    b.activity([b.facility(unit=three_periods["Gia Lâm"])], held_on=D(2012, 3, 1))
    found = maps.unit_map(target=target, as_of=D(2014, 8, 1))
    figure = map_charts.tile_figure(found, language="vi")
    phone = figure["phone"]
    # Per trace (no data, then the values): the figures alone, the names being too long for a phone's squares.
    assert [row[:2] for row in phone["data"][0]["text"]] == [["—", "100,0%"], ["—", ""]]
    assert phone["data"][0]["text"] == phone["data"][1]["text"]
    assert figure["data"][1]["text"][0][1] == "Gia Lâm<br>100,0%"  # the wide screen keeps the names
    assert phone["data"][1]["colorbar"]["orientation"] == "h"
    assert phone["layout"]["title"] == {"text": ""} and figure["layout"]["title"]["text"]
    # Rows as tall as a phone's squares are wide, plus the colour bar.
    assert phone["layout"]["height"] == max(200, map_charts.PHONE_WIDTH // 2 * 2 + 70)
    assert figure["layout"]["height"] == max(320, map_charts.TILE_ROW * 2 + 80)


# --- Cost ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 20])
def test_query_count_is_fixed(three_periods, django_assert_num_queries, n):
    phase = b.phase()
    awareness = b.target(phase, indicator="awareness", target_min=50)
    saving = b.target(phase, indicator="saving", target_min=5, target_max=8)
    specialists = b.target(phase, indicator="specialist_coverage", target_min=70)
    for i in range(n):
        f = b.facility(unit=three_periods["Gia Lâm" if i % 2 else "Bắc Từ Liêm"])
        b.activity([f], held_on=D(2015, 3, 1))
        b.solution(f, implemented_on=D(2015, 4, 1), savings={"energy": (100, 94)})
    boundaries.store(
        boundaries.BoundaryFile(geometries={"018": square(105.9, 21.0), "021": square(105.7, 21.1)}),
        {u.code: u for u in three_periods.values() if u.code},
        user=None,
    )
    day, earlier = D(2016, 1, 1), D(2015, 1, 1)
    targets = {t.pk: t for t in Target.objects.select_related("phase", "sector", "unit_scope")}
    # The units (with their boundaries), then the unit breakdown: counts by unit (facilities, or units for
    # specialist coverage) and the units' names, + the medians for a saving target; the breakdown again
    # with a compare date.
    for target, queries in ((awareness, 3), (saving, 4), (specialists, 3)):
        with django_assert_num_queries(queries):
            maps.unit_map(target=targets[target.pk], as_of=day)
        with django_assert_num_queries(2 * queries - 1):
            maps.unit_map(target=targets[target.pk], as_of=day, compare=earlier)


# --- Figures --------------------------------------------------------------------------------------


def test_shapes_are_drawn_when_every_unit_has_one_and_nothing_is_fetched(three_periods):
    target = b.target(b.phase(), indicator="awareness", target_min=50)
    units = {u.code: u for u in three_periods.values() if u.code}
    boundaries.store(
        boundaries.BoundaryFile(geometries={"018": square(105.9, 21.0), "021": square(105.7, 21.1)}),
        units,
        user=None,
    )
    partly = maps.unit_map(target=target, as_of=D(2014, 8, 1))
    assert partly.drawn_as == maps.TILES  # Nam Từ Liêm has no boundary yet
    boundaries.store(boundaries.BoundaryFile(geometries={"0191": square(105.7, 21.0)}), units, user=None)
    found = maps.unit_map(target=target, as_of=D(2014, 8, 1))
    assert found.drawn_as == maps.SHAPES
    figure = map_charts.map_figure(found, language="en")
    geo = figure["layout"]["geo"]
    assert geo["fitbounds"] == "locations" and geo["visible"] is False
    assert not any(value for key, value in geo.items() if key.startswith("show"))
    traces = figure["data"]
    assert [t["type"] for t in traces] == ["choropleth", "choropleth", "scattergeo"]  # no data, values, names
    features = traces[0]["geojson"]["features"]
    assert sorted(f["id"] for f in features) == sorted(str(u.unit_id) for u in found.units)
    assert "http" not in json.dumps(figure)  # no URL of anything to fetch: our own shapes only
    # On a phone: the colour bar under the map, the names smaller.
    assert figure["phone"]["data"][1]["colorbar"]["orientation"] == "h"
    assert figure["phone"]["data"][2]["textfont"]["size"] < traces[2]["textfont"]["size"]
    # Before 2014 Từ Liêm has none: the tile grid again.
    assert maps.unit_map(target=target, as_of=D(2013, 6, 30)).drawn_as == maps.TILES


def test_long_names_take_two_lines():
    assert map_charts.wrap("Gia Lâm") == "Gia Lâm"
    assert map_charts.wrap("Phường Bắc Từ Liêm") == "Phường Bắc<br>Từ Liêm"
    assert map_charts.wrap("<b>Hai Bà Trưng") == "&lt;b&gt;Hai<br>Bà Trưng"


def test_names_are_shown_as_text(three_periods):
    unit = three_periods["Gia Lâm"]
    unit.name = '<a href="https://example.org">Gia Lâm</a>'
    unit.save()
    target = b.target(b.phase(), indicator="awareness", target_min=50)
    figure = map_charts.tile_figure(maps.unit_map(target=target, as_of=D(2014, 8, 1)))
    text = json.dumps(figure, ensure_ascii=False)
    assert "<a href" not in text and "&lt;a href" in text


def test_units_without_a_square_are_named(three_periods):
    target = b.target(b.phase(), indicator="awareness", target_min=50)
    nam = three_periods["Nam Từ Liêm"]
    nam.grid_row, nam.grid_col = 0, 0  # Bắc Từ Liêm's square
    nam.save()
    found = maps.unit_map(target=target, as_of=D(2014, 8, 1))
    assert [u.name for u in found.unplaced] == ["Nam Từ Liêm"]


# --- On the dashboard ----------------------------------------------------------------------------


def test_the_dashboard_map_follows_the_chosen_target_and_compare_date(manager_client, interview_year):
    units = AdministrativeUnit.objects.order_by("name")
    for i, unit in enumerate(units):
        unit.grid_row, unit.grid_col = divmod(i, 6)
        unit.save()
    phase = interview_year.phase
    application = Target.objects.get(phase=phase, indicator="application")
    response = manager_client.get(
        reverse("targets:dashboard"),
        {"phase": phase.pk, "as_of": "2012-12-31", "map": application.pk, "compare": "31/12/2011"},
    )
    assert response.status_code == 200
    found = response.context["unit_map"]
    assert (found.target_id, found.compare) == (application.pk, D(2011, 12, 31))
    content = response.content.decode()
    assert 'id="map"' in content and 'data-figure="unit-map"' in content
    assert "Change (points)" in content and 'aria-current="true">Facilities applying CP' in content
    figure = response.context["map_figure"]
    assert figure["data"][1]["zmid"] == 0  # coloured by the change

    bad = manager_client.get(
        reverse("targets:dashboard"), {"phase": phase.pk, "as_of": "2012-12-31", "compare": "2099-01-01"}
    )
    # The dashboard's form refuses the date beside its field (the as-of date policy), and draws no map.
    assert bad.status_code == 400
    assert "unit_map" not in bad.context and bad.context["form"].errors["compare"]
