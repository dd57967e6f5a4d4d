"""cpdash/numbers.py: quantities read as the user's language writes them."""

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from cpdash.numbers import LocalDecimalField, LocalIntegerField, number_text, parse_number, whole_number_digits


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


@pytest.mark.parametrize(
    ("language", "example", "message", "decimal_message"),
    [
        (
            "vi",
            "1.234.567",
            "“abc” không phải là số: hãy viết như 1.234.567.",
            "“abc” không phải là số: hãy viết như 1.234.567,5 (hoặc 0,85).",
        ),
        (
            "en",
            "1,234,567",
            "“abc” is not a number: write it as in 1,234,567.",
            "“abc” is not a number: write it as in 1,234,567.5 (or 0.85).",
        ),
    ],
)
def test_a_field_of_whole_numbers_gives_a_whole_example(language, example, message, decimal_message):
    """VND amounts (decimal_places=0) and counts: the message's example is one they accept,
    not "1.234.567,5", which they refuse."""
    with translation.override(language):
        for field in (LocalDecimalField(max_digits=16, decimal_places=0), LocalIntegerField()):
            with pytest.raises(ValidationError) as refused:
                field.clean("abc")
            assert refused.value.messages == [message]
            assert field.clean(example) == 1234567
        # A field with decimals keeps the decimal example.
        with pytest.raises(ValidationError) as refused:
            LocalDecimalField(max_digits=12, decimal_places=2).clean("abc")
        assert refused.value.messages == [decimal_message]


@pytest.mark.parametrize(("language", "text"), [("vi", "25.000.000,5"), ("en", "25,000,000.5")])
def test_a_fraction_of_a_whole_number_field_asks_for_a_whole_number(language, text):
    with translation.override(language):
        with pytest.raises(ValidationError) as refused:
            LocalDecimalField(max_digits=16, decimal_places=0).clean(text)
        assert refused.value.messages == [{"vi": "Hãy nhập một số nguyên.", "en": "Enter a whole number."}[language]]


@pytest.mark.parametrize(
    ("language", "text", "number"),
    [("vi", "1.000", 1000), ("vi", "1,000", None), ("vi", "5,0", None), ("en", "1,000", 1000), ("en", "1.000", None)],
)
def test_a_count_with_a_decimal_mark_is_refused_even_before_zeros(language, text, number):
    """ "1,000" people in Vietnamese is not 1 (nor a thousand): the decimal mark is refused."""
    with translation.override(language):
        if number is None:
            with pytest.raises(ValidationError):
                LocalIntegerField().clean(text)
        else:
            assert LocalIntegerField().clean(text) == number


@pytest.mark.parametrize(
    ("text", "language", "digits"),
    [
        ("1500", "vi", "1500"),
        ("1.500", "vi", "1500"),
        ("1.500.000", "vi", "1500000"),
        ("1,500", "vi", None),  # one and a half in Vietnamese
        ("1.5", "vi", None),  # groups nothing: never 15
        ("1.50", "vi", None),
        ("15.00", "vi", None),
        ("1,5", "vi", None),
        ("1.500,0", "vi", None),
        ("1,500", "en", "1500"),
        ("1,500,000", "en", "1500000"),
        ("1.500", "en", None),
        ("1.5", "en", None),
        ("1 500", "vi", None),
        ("-1", "vi", None),
        ("١٢", "vi", None),  # digits, but not 0-9
    ],
)
def test_whole_number_digits_as_each_language_groups_them(text, language, digits):
    assert whole_number_digits(text, language) == digits


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("vi", "Hãy nhập giá trị nhỏ hơn hoặc bằng 100."),  # Django's own has "… bằng với 100 ."
        ("en", "Ensure this value is less than or equal to 100."),
    ],
)
def test_a_limit_is_said_without_a_space_before_the_full_stop(language, message):
    field = forms.IntegerField(max_value=100)
    with translation.override(language):
        with pytest.raises(ValidationError) as refused:
            field.clean(101)
        assert refused.value.messages == [message]


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (Decimal("93.500000"), "93,5", "93.5"),
        (Decimal("1053.000000"), "1.053", "1,053"),
        (1_000_000, "1.000.000", "1,000,000"),
        # More digits than the decimal context holds (28): a count typed with 32 nines, which an
        # import's ceiling names in its message (quantize() raised InvalidOperation).
        (10**32 - 1, "99.999.999.999.999.999.999.999.999.999.999", "99,999,999,999,999,999,999,999,999,999,999"),
    ],
)
def test_number_text(value, vi, en):
    with translation.override("vi"):
        assert number_text(value) == vi
    with translation.override("en"):
        assert number_text(value) == en
