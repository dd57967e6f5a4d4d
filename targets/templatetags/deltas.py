"""Template filters for changes between two dates: a sign always shown ("+3", "−2,5")."""

from decimal import ROUND_HALF_UP, Decimal

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
    if places:  # half up, as every figure shown (arithmetic.round1), free of binary noise
        value = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = number(abs(value), places or None)
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"\N{MINUS SIGN}{text}"
    return text
