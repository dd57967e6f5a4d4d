"""Plotly figures of the map of units (targets/maps.py): plain data in, a figure out.

Drawn offline by the bundled plotly.js:

- with boundaries, a ``choropleth`` on a ``geo`` subplot fed our own GeoJSON, every base
  layer off (no land, coast, country or frame from plotly's world map) and fitted to the
  units' bounds; plotly.js would still ask its CDN for a world topojson for any trace with
  a ``locationmode``, so static/js/charts.js hands it an empty one first and nothing is
  fetched (a browser test checks that no request leaves the server);
- without, a tile grid: a heatmap cell per unit at its grid row and column, labelled.

On a phone (at most 600 px wide) static/js/charts.js lays a figure's ``phone`` over it: the
tile grid's squares are too small there for the units' names, so they show only their
figures (the names are in the hover, the table and the shapes' labels), the colour bar lies
under the map and the title (the section's heading and hint say it) gives way to the map.

Colours: viridis for a value (perceptually even, readable with colour-vision
deficiencies), vermillion–white–blue for a change in points; units without data are
grey and say "no data" in their label. Names go through ``charts.plain``.
"""

from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.translation import gettext as _

from targets.charts import BLUE, VERMILLION, base_layout, number, plain

if TYPE_CHECKING:  # targets/maps.py builds its figures with this module
    from targets.maps import MapUnit, UnitMap

NO_DATA_COLOUR = "#d9d9d9"
CHANGE_SCALE = [[0.0, VERMILLION], [0.5, "#f7f7f7"], [1.0, BLUE]]
VALUE_SCALE = "Viridis"
#: Shapes are labelled with their names up to this many units.
SHAPE_LABELS_UP_TO = 40
#: A tile grid's rows, in pixels: a square holds a name on two lines ("Phường Nam<br>Từ Liêm").
TILE_ROW = 76
#: A phone's width for the figure (a 390 px screen less the page's padding), in pixels.
PHONE_WIDTH = 360


def _day(day) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _figure_text(value: float | None, numerator: int | None, denominator: int | None, language: str) -> str:
    """ "45,2% (120/265)", or "no data"."""
    if value is None:
        return _("no data")
    text = f"{number(value, 1, language)}%"
    if numerator is not None and denominator:
        text += f" ({number(numerator, 0, language)}/{number(denominator, 0, language)})"
    return text


def hover_text(unit: "MapUnit", m: "UnitMap", language: str) -> str:
    """The unit's name, its value with numerator/denominator, and with a compare date the
    value then and the change in points. Plotly markup; the name escaped."""
    lines = [f"<b>{plain(unit.name)}</b>"]
    now = _figure_text(unit.value, unit.numerator, unit.denominator, language)
    if m.is_saving and unit.value is not None:
        now = _("median saving %(value)s%%, reaching the target %(numerator)s/%(denominator)s") % {
            "value": number(unit.value, 1, language),
            "numerator": number(unit.numerator, 0, language),
            "denominator": number(unit.denominator, 0, language),
        }
    if m.compare is None:
        lines.append(now)
        return "<br>".join(lines)
    lines.append(f"{_day(m.as_of)}: {now}")
    before = _figure_text(unit.before_value, unit.before_numerator, unit.before_denominator, language)
    lines.append(f"{_day(m.compare)}: {before}")
    if unit.change is not None:
        lines.append(_("change: %(change)s points") % {"change": signed(unit.change, language)})
    return "<br>".join(lines)


def signed(value: float, language: str) -> str:
    """A change in points with its sign: +5,1 / −2,0 / 0,0."""
    text = number(abs(value), 1, language)
    return f"+{text}" if value > 0 else (f"−{text}" if value < 0 else text)


def colour_value(unit: "MapUnit", m: "UnitMap") -> float | None:
    """What the unit is coloured by: its value, or with a compare date its change in points."""
    return unit.change if m.compare is not None else unit.value


def _scale(m: "UnitMap") -> dict:
    """Colour scale and range: 0–100 % for a share, 0 to the largest for a saving, symmetric
    around 0 for a change."""
    values = [v for v in (colour_value(u, m) for u in m.units) if v is not None]
    if m.compare is not None:
        reach = max([abs(v) for v in values] + [1.0])
        return {"colorscale": CHANGE_SCALE, "zmin": -reach, "zmax": reach, "zmid": 0}
    top = max([*values, 1.0]) if m.is_saving else 100.0
    return {"colorscale": VALUE_SCALE, "zmin": 0, "zmax": top}


def _colorbar(m: "UnitMap") -> dict:
    title = _("points") if m.compare is not None else ("%" if not m.is_saving else _("saving %"))
    return {"title": {"text": title}, "thickness": 14, "len": 0.8}


def _title(m: "UnitMap") -> str:
    label = plain(m.label[:1].upper() + m.label[1:])
    if m.compare is None:
        return _("%(indicator)s by unit, %(day)s") % {"indicator": label, "day": _day(m.as_of)}
    return _("%(indicator)s by unit: change from %(before)s to %(day)s") % {
        "indicator": label,
        "before": _day(m.compare),
        "day": _day(m.as_of),
    }


def tile_figure(m: "UnitMap", *, language: str = "en") -> dict:
    """The tile grid: one square per placed unit, labelled with its name and value; a click
    opens its facilities. Returns the figure as plain JSON-ready data (no plotly validation
    needed: a heatmap of lists)."""
    left = {u.unit_id for u in m.unplaced}
    placed = [u for u in m.units if u.placed and u.unit_id not in left]
    rows = max((u.grid_row for u in placed), default=0) + 1
    cols = max((u.grid_col for u in placed), default=0) + 1

    def grid(fill=None):
        return [[fill] * cols for _row in range(rows)]

    z, nodata, text, hover, urls = grid(), grid(), grid(""), grid(""), grid("")
    figures = grid("")  # the squares' labels on a phone: the figure without the name
    for unit in placed:
        r, c = unit.grid_row, unit.grid_col
        value = colour_value(unit, m)
        shown = value if m.compare is None else unit.value
        label = wrap(unit.name)
        if value is None:
            nodata[r][c] = 0
            figures[r][c] = "—" if shown is None else _short(shown, m, language)
            text[r][c] = f"{label}<br>{wrap(_('no data')) if shown is None else figures[r][c]}"
        else:
            z[r][c] = value
            figures[r][c] = signed(value, language) if m.compare is not None else _short(value, m, language)
            text[r][c] = f"{label}<br>{figures[r][c]}"
        hover[r][c] = hover_text(unit, m, language)
        urls[r][c] = unit.url
    common = {
        "type": "heatmap",
        "x": list(range(cols)),
        "y": list(range(rows)),
        "text": text,
        "hovertext": hover,
        "customdata": urls,
        "hovertemplate": "%{hovertext}<extra></extra>",
        "texttemplate": "%{text}",
        "textfont": {"size": 10},
        "xgap": 3,
        "ygap": 3,
        "hoverongaps": False,
    }
    data = [
        {
            **common,
            "z": nodata,
            "colorscale": [[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]],
            "showscale": False,
            "name": _("no data"),
        },
        {**common, "z": z, **_scale(m), "colorbar": _colorbar(m), "name": plain(m.label)},
    ]
    axis = {"visible": False, "fixedrange": True, "showgrid": False, "zeroline": False}
    layout = {
        **base_layout(language, height=max(320, TILE_ROW * rows + 80)),
        "title": {"text": _title(m), "font": {"size": 14}},
        "xaxis": {**axis, "constrain": "domain"},
        "yaxis": {**axis, "autorange": "reversed", "scaleanchor": "x", "constrain": "domain"},
        "dragmode": False,
    }
    square = PHONE_WIDTH // max(cols, 1)
    phone = _phone(m, height=max(200, square * rows + 70))
    phone["data"][0]["text"] = phone["data"][1]["text"] = figures
    for trace in phone["data"]:
        trace["textfont"] = {"size": 9}
    return {"data": data, "layout": layout, "phone": phone}


def _phone(m: "UnitMap", *, height: int) -> dict:
    """What a phone lays over a map's figure (static/js/charts.js): per trace (the no-data
    trace, then the coloured one), then the layout. The colour bar lies under the map."""
    colorbar = {
        **_colorbar(m),
        "orientation": "h",
        "x": 0.5,
        "xanchor": "center",
        "y": 0,
        "yanchor": "top",
        "thickness": 10,
        "len": 0.9,
    }
    colorbar["title"] = {**colorbar["title"], "side": "right"}
    layout = {"height": height, "title": {"text": ""}, "margin": {"l": 2, "r": 2, "t": 4, "b": 4}}
    return {"data": [{}, {"colorbar": colorbar}], "layout": layout}


def wrap(name: str, width: int = 10) -> str:
    """``name`` escaped for a square's label, on two lines at the space nearest its middle when
    longer than ``width`` characters ("Phường Bắc<br>Từ Liêm")."""
    if len(name) <= width or " " not in name:
        return plain(name)
    spaces = [i for i, c in enumerate(name) if c == " "]
    cut = min(spaces, key=lambda i: abs(len(name) / 2 - i))
    return f"{plain(name[:cut])}<br>{plain(name[cut + 1 :])}"


def _short(value: float, m: "UnitMap", language: str) -> str:
    return f"{number(value, 1, language)}%"


def shape_figure(m: "UnitMap", *, language: str = "en") -> dict:
    """The units' own boundaries, coloured, on a blank projection fitted to them: no world
    map, no tiles. Units without data are grey."""
    features = [
        {"type": "Feature", "id": str(unit_id), "properties": {}, "geometry": geometry}
        for unit_id, geometry in m.boundaries.items()
    ]
    geojson = {"type": "FeatureCollection", "features": features}
    with_data = [u for u in m.units if colour_value(u, m) is not None]
    without = [u for u in m.units if colour_value(u, m) is None]

    def trace(units, **extra) -> dict:
        return {
            "type": "choropleth",
            "geojson": geojson,
            "featureidkey": "id",
            "locationmode": "geojson-id",
            "locations": [str(u.unit_id) for u in units],
            "customdata": [u.url for u in units],
            "hovertext": [hover_text(u, m, language) for u in units],
            "hovertemplate": "%{hovertext}<extra></extra>",
            "marker": {"line": {"color": "white", "width": 1}},
            **extra,
        }

    data = [
        trace(
            without,
            z=[0] * len(without),
            colorscale=[[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]],
            showscale=False,
            name=_("no data"),
        ),
        trace(
            with_data,
            z=[colour_value(u, m) for u in with_data],
            colorbar=_colorbar(m),
            name=plain(m.label),
            **_scale(m),
        ),
    ]
    # Names at each shape's centre, over the colours (the choropleth below answers the hover);
    # not for a province's hundred-odd wards, whose names would cover the map: hover and table.
    if len(m.units) <= SHAPE_LABELS_UP_TO:
        data.append(
            {
                "type": "scattergeo",
                "geojson": geojson,
                "featureidkey": "id",
                "locationmode": "geojson-id",
                "locations": [str(u.unit_id) for u in m.units],
                "text": [wrap(u.name) for u in m.units],
                "mode": "text",
                "textfont": {"size": 10, "color": "#111111", "shadow": "auto"},
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
    off = {
        f"show{layer}": False
        for layer in ("land", "ocean", "lakes", "rivers", "coastlines", "countries", "subunits", "frame")
    }
    layout = {
        **base_layout(language, height=520),
        "title": {"text": _title(m), "font": {"size": 14}},
        "geo": {
            "visible": False,
            **off,
            "fitbounds": "locations",
            "projection": {"type": "mercator"},
            "bgcolor": "white",
        },
        "dragmode": False,
    }
    phone = _phone(m, height=420)
    if len(data) == 3:  # the names: smaller
        phone["data"].append({"textfont": {**data[2]["textfont"], "size": 8}})
    return {"data": data, "layout": layout, "phone": phone}


def map_figure(m: "UnitMap", *, language: str = "en") -> dict | None:
    """The map as JSON data for the page: shapes, tiles, or None (a table only)."""
    if m.drawn_as == "shapes":
        return shape_figure(m, language=language)
    if m.drawn_as == "tiles":
        return tile_figure(m, language=language)
    return None
