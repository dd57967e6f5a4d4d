"""Template filters for changes between two dates: a sign always shown ("+3", "−2,5")."""

from django import template

from targets.annual_report import number

register = template.Library()


@register.filter
def signed(value: int | float | None, places: int | str = 0) -> str:
    """``value`` with its sign, in the active language's number format ("+1.234", "−0,5");
    "0" for none, "—" for None."""
    if value is None or value == "":
        return "—"
    places = int(places)
    if places:
        value = round(float(value), places)
    text = number(abs(value), places or None)
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"\N{MINUS SIGN}{text}"
    return text
