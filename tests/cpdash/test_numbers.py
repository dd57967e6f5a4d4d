"""cpdash/numbers.py: quantities read as the user's language writes them."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cpdash.numbers import LocalDecimalField, LocalIntegerField, parse_number


@pytest.mark.parametrize(
    ("text", "language", "number"),
    [
        ("0,85", "vi", "0.85"),
        ("150.000.000", "vi", "150000000"),
        ("1.234.567,5", "vi", "1234567.5"),
        ("0.85", "vi", "0.85"),  # cannot group thousands: a decimal point
        ("1.500", "vi", "1500"),
        ("12 500", "vi", "12500"),
        ("-3,2", "vi", "-3.2"),
        ("1,5", "en", "1.5"),
        ("1,500", "en", "1500"),
        ("150,000,000.25", "en", "150000000.25"),
    ],
)
def test_numbers_as_each_language_writes_them(text, language, number):
    assert parse_number(text, language) == Decimal(number)


@pytest.mark.parametrize("text", ["1.2.3", "abc", "1,2,3", "1.234,5.6", "", "NaN", "1e5"])
def test_what_is_not_a_number_is_refused(text):
    with pytest.raises(ValueError):
        parse_number(text, "vi")


def test_fields_refuse_with_an_example_and_read_whole_numbers():
    with translation.override("en"):
        field = LocalDecimalField(max_digits=18, decimal_places=6)
        with pytest.raises(ValidationError) as refused:
            field.clean("12abc")
        assert "is not a number" in str(refused.value)
        assert LocalIntegerField().clean("5,000") == 5000
        with pytest.raises(ValidationError):
            LocalIntegerField().clean("2.5")
    with translation.override("vi"):
        assert LocalIntegerField().clean("5.000") == 5000
        assert 'inputmode="decimal"' in field.widget.render("x", None, field.widget_attrs(field.widget))
