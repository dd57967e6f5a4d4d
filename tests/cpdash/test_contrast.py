"""Status pills and badges are legible: text against its background at WCAG AA (4.5:1)
or better, read from the stylesheets (issue 12: the "no data" grey was 3.4:1, a status
pill 4.41:1)."""

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "static" / "css"


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rule(sheet: str, selector: str) -> str:
    text = (CSS / sheet).read_text()
    return re.search(re.escape(selector) + r"\s*\{([^}]*)\}", text).group(1)


def colour(declarations: str, name: str) -> str:
    """The property's colour, a custom property (var(--accent)) read from cpdash.css's :root."""
    value = re.search(rf"(?<![-\w]){name}:\s*([^;]+)", declarations).group(1).strip()
    if value.startswith("var("):
        variable = value[4:-1]
        value = re.search(rf"{variable}:\s*(#[0-9a-fA-F]{{6}})", rule("cpdash.css", ":root")).group(1)
    return value


@pytest.mark.parametrize("status", ["applying", "aware", "never_reached"])
def test_facility_status_pills(status):
    declarations = rule("tables.css", f".status-{status}")
    assert contrast(colour(declarations, "color"), colour(declarations, "background")) >= 4.5


@pytest.mark.parametrize(
    "selector",
    [".badge", ".badge.status-met", ".badge.status-on_track", ".badge.status-at_risk", ".badge.status-off_track"],
)
def test_dashboard_badges_on_white_text(selector):
    assert contrast("#ffffff", colour(rule("dashboard.css", selector), "background")) >= 4.5
