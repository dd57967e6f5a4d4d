"""Numbers as people type them: Vietnamese writes 1.234.567,5 and English 1,234,567.5.

A quantity typed in a form is read in the user's language, so that "0,85" is 0.85 and
"150.000.000" is 150000000 in Vietnamese — never a silent "085" (×100) or "150.000000"
(a browser's number input). A separator that cannot be a thousands separator (not
followed by groups of three digits: "0.85" in Vietnamese) is read as the decimal
separator, whatever the language: it cannot be meant otherwise. Anything else that is
not a number is refused with a message that says how to write one. A field of whole
numbers (counts, VND amounts) refuses a decimal mark, even before zeros ("1,000" in
Vietnamese is not 1), and its message gives a whole number as the example.
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

#: Django's validators' limits, whose Vietnamese puts a space before the full stop ("… bằng với
#: 100 ."): written again in cpdash's catalogue, which comes first. Listed so that makemessages
#: keeps them.
VALIDATOR_MESSAGES = (
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
)

#: Per language: (thousands separator, decimal separator).
SEPARATORS = {"vi": (".", ","), "en": (",", ".")}
_GROUPED = re.compile(r"^\d{1,3}(?:X\d{3})+$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def _grouped(digits: str, separator: str) -> bool:
    """Whether ``digits`` is digits grouped in threes by ``separator`` ("150.000.000")."""
    return bool(_GROUPED.match(digits.replace(separator, "X"))) if separator in digits else False


def _separators(language: str | None) -> tuple[str, str]:
    """(thousands, decimal) separators of ``language``, the active one by default."""
    return SEPARATORS.get((language or translation.get_language() or "vi")[:2], SEPARATORS["vi"])


def parse_number(text: str, language: str | None = None) -> Decimal:
    """``text`` as a Decimal, read as ``language`` (the active one by default) writes
    numbers; ValueError when it is not a number."""
    thousands, decimal = _separators(language)
    value = _SPACES.sub("", text.strip())
    sign = ""
    if value[:1] in "+-":
        sign, value = value[:1], value[1:]
    if not value or not re.fullmatch(r"[\d.,]+", value):
        raise ValueError(text)
    if thousands in value and decimal in value:
        whole, _sep, fraction = value.rpartition(decimal)
        if not _grouped(whole, thousands) or thousands in fraction:
            raise ValueError(text)
        value = f"{whole.replace(thousands, '')}.{fraction}"
    elif thousands in value:
        if _grouped(value, thousands):
            value = value.replace(thousands, "")
        elif value.count(thousands) == 1:
            value = value.replace(thousands, ".")  # "0.85" in Vietnamese: only a decimal point fits
        else:
            raise ValueError(text)
    elif decimal in value:
        if value.count(decimal) != 1:
            raise ValueError(text)
        value = value.replace(decimal, ".")
    try:
        number = Decimal(sign + value)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not number.is_finite():
        raise ValueError(text)
    return number


def whole_number_digits(text: str, language: str | None = None) -> str | None:
    """The digits of ``text``, a whole number written as ``language`` (the active one by default)
    writes it: plain digits, or thousands grouped in threes by its separator ("1.500" in
    Vietnamese, "1,500" in English). None for anything else, never another number: a decimal
    mark ("1,5" or "1.5" in Vietnamese: "1.5" groups nothing), the other language's grouping
    ("1,500" in Vietnamese is one and a half), a sign, a space."""
    thousands, _decimal = _separators(language)
    if _grouped(text, thousands):
        text = text.replace(thousands, "")
    return text if text.isascii() and text.isdigit() else None


def number_text(value: Decimal | float | int) -> str:
    """``value`` as the active language writes numbers, thousands grouped, without the trailing
    zeros of a decimal column: 1053.000000 → "1.053" in Vietnamese, "1,053" in English; 93.500000
    → "93,5" and "93.5" (kept, "93,500" reads as ninety-three thousand five hundred in English)."""
    exact = Decimal(str(value))
    if exact == exact.to_integral_value():
        # As an int: quantize() refuses more digits than the decimal context's 28 (a count typed
        # with 32 nines, which the import's ceiling then names).
        return formats.number_format(int(exact), force_grouping=True)
    return formats.number_format(exact.normalize(), force_grouping=True)


class _LocalNumber:
    """Shared by LocalDecimalField and LocalIntegerField: a text input with the
    phone's numeric keyboard, read by parse_number()."""

    input_mode = "decimal"

    def holds_whole_numbers(self) -> bool:
        return getattr(self, "decimal_places", None) == 0

    def example(self) -> str:
        """How to write a number, in the error message: a whole one for a field of whole
        numbers (VND amounts, counts: "1.234.567" in Vietnamese), never one it refuses."""
        if self.holds_whole_numbers():
            return formats.number_format(1234567, force_grouping=True)
        return _("1,234,567.5 (or 0.85)")

    def widget_attrs(self, widget) -> dict:
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        attrs.update({"inputmode": self.input_mode, "autocomplete": "off"})
        return attrs

    def _parse(self, value: object) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, (int, Decimal)):
            return Decimal(value)
        try:
            return parse_number(str(value))
        except ValueError:
            raise ValidationError(
                _("“%(value)s” is not a number: write it as in %(example)s."),
                code="invalid",
                params={"value": str(value)[:40], "example": self.example()},
            ) from None


class LocalDecimalField(_LocalNumber, forms.DecimalField):
    widget = forms.TextInput

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.holds_whole_numbers():
            # "25.000.000,5" for VND: the whole number asked for, not "at most 0 decimal places".
            self.error_messages["max_decimal_places"] = _("Enter a whole number.")

    def to_python(self, value: object) -> Decimal | None:
        return self._parse(value)


class LocalIntegerField(_LocalNumber, forms.IntegerField):
    widget = forms.TextInput
    input_mode = "numeric"

    def holds_whole_numbers(self) -> bool:
        return True

    def to_python(self, value: object) -> int | None:
        number = self._parse(value)
        if number is None:
            return None
        # A decimal mark typed is refused even before zeros: "1,000" in Vietnamese ("1.000" in
        # English) is one written with three places, most likely a thousand meant; never 1.
        if number != number.to_integral_value() or (isinstance(value, str) and number.as_tuple().exponent < 0):
            raise ValidationError(_("Enter a whole number."), code="invalid")
        return int(number)


def local_formfield(field, **kwargs) -> forms.Field | None:
    """A ModelForm's ``formfield_callback``: decimal and integer model fields (without
    choices) get fields that read numbers the way the user's language writes them."""
    # localize: a stored value is shown back as the language writes it (1,234 in Vietnamese),
    # so that saving an unchanged form reads it back the same.
    if not field.choices and isinstance(field, models.DecimalField):
        kwargs.setdefault("form_class", LocalDecimalField)
        kwargs.setdefault("localize", True)
    elif not field.choices and isinstance(field, models.IntegerField) and not field.primary_key:
        kwargs.setdefault("form_class", LocalIntegerField)
        kwargs.setdefault("localize", True)
    return field.formfield(**kwargs)
