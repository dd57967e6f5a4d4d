from pathlib import Path

import plotly
from django.contrib.staticfiles import finders

from cpdash.staticfiles import PlotlyJSFinder

PLOTLY_PATH = "vendor/plotly/plotly.min.js"


def test_plotly_finder_finds_the_wheels_plotly_js():
    found = PlotlyJSFinder().find(PLOTLY_PATH)
    assert Path(found).is_file()
    assert Path(found).resolve().is_relative_to(Path(plotly.__file__).resolve().parent)
    assert Path(found).stat().st_size > 1_000_000  # the real bundle, not a stub


def test_plotly_finder_find_all_returns_a_list():
    assert PlotlyJSFinder().find(PLOTLY_PATH, find_all=True) == [PlotlyJSFinder().find(PLOTLY_PATH)]


def test_plotly_finder_finds_nothing_else():
    finder = PlotlyJSFinder()
    assert finder.find("vendor/plotly/plotly.js") is None
    assert finder.find("plotly.min.js") is None
    assert finder.find("css/cpdash.css", find_all=True) == []


def test_plotly_finder_lists_the_file_for_collectstatic():
    listed = list(PlotlyJSFinder().list(ignore_patterns=[]))
    assert len(listed) == 1
    path, storage = listed[0]
    assert storage.exists(path)
    assert f"{storage.prefix}/{path}" == PLOTLY_PATH


def test_plotly_js_is_found_through_the_configured_finders():
    found = finders.find(PLOTLY_PATH)
    assert found is not None
    assert Path(found).is_file()
    assert b"plotly.js v" in Path(found).read_bytes()[:200]


def test_stylesheet_is_found():
    found = finders.find("css/cpdash.css")
    assert found is not None
    assert Path(found).is_file()
    assert ":root" in Path(found).read_text(encoding="utf-8")


def test_finders_report_no_problems():
    assert PlotlyJSFinder().check() == []
