"""Serve plotly.js from the installed plotly wheel, so no CDN is needed and the
JavaScript always matches the Python package that builds the figures."""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
PLOTLY_JS = "plotly.min.js"
STATIC_PATH = f"vendor/plotly/{PLOTLY_JS}"


class PlotlyJSFinder(BaseFinder):
    """Finds exactly one file, ``vendor/plotly/plotly.min.js``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=PLOTLY_DIR)
        self.storage.prefix = "vendor/plotly"

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path == STATIC_PATH:
            found = str(PLOTLY_DIR / PLOTLY_JS)
            return [found] if find_all else found
        return [] if find_all else None

    def list(self, ignore_patterns):
        yield PLOTLY_JS, self.storage
