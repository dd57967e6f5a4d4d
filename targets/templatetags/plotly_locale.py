"""The words of plotly.js's own toolbar in the page's language: a data island that
static/js/charts.js registers as plotly.js's locale before drawing (plotly.js ships no
Vietnamese; its dictionary is keyed by its English texts)."""

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()

#: The element charts.js reads.
ELEMENT_ID = "plotly-locale"


def dictionary() -> dict[str, str]:
    """plotly.js's English texts that our charts can show (their toolbar, a double click's
    hint, an image download's messages) → the active language's."""
    return {
        "Download plot as a PNG": _("Download the chart as a PNG image"),
        "Download plot": _("Download the chart"),
        "Zoom": _("Zoom"),
        "Pan": _("Pan"),
        "Zoom in": _("Zoom in"),
        "Zoom out": _("Zoom out"),
        "Autoscale": _("Fit to the data"),
        "Reset axes": _("Reset the axes"),
        "Reset": _("Reset"),
        "Reset view": _("Reset the view"),
        "Toggle Spike Lines": _("Show or hide guide lines"),
        "Show closest data on hover": _("On hover, show the nearest point"),
        "Compare data on hover": _("On hover, compare the series"),
        "Toggle show closest data on hover": _("On hover, show the nearest point or not"),
        "Double-click to zoom back out": _("Double-click to zoom back out"),
        "Preparing image - this may take a few seconds": _("Making the image: this may take a few seconds"),
        "Image download succeeded": _("The image is ready"),
        "Sorry, there was a problem downloading your image!": _("Sorry, the image could not be downloaded."),
    }


@register.simple_tag
def plotly_locale() -> SafeString:
    """The dictionary as a JSON data island; nothing in English, plotly.js's own language."""
    if (get_language() or "en").split("-")[0] == "en":
        return SafeString("")
    return json_script(dictionary(), ELEMENT_ID)
