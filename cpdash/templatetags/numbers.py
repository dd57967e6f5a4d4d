"""Template filters for numbers as the active language writes them (cpdash/numbers.py)."""

from decimal import Decimal

from django import template

from cpdash.numbers import number_text

register = template.Library()


@register.filter
def number(value: Decimal | float | int | None) -> str:
    """``value`` thousands grouped, without a decimal column's trailing zeros: "1.200", "93,5"
    in Vietnamese, "1,200", "93.5" in English (floatformat keeps them: "93,500"); "" for None."""
    return "" if value is None or value == "" else number_text(value)
