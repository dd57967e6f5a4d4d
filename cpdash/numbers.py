"""Numbers as people type them: Vietnamese writes 1.234.567,5 and English 1,234,567.5.

A quantity typed in a form is read in the user's language, so that "0,85" is 0.85 and
"150.000.000" is 150000000 in Vietnamese — never a silent "085" (×100) or "150.000000"
(a browser's number input). A separator that cannot be a thousands separator (not
followed by groups of three digits: "0.85" in Vietnamese) is read as the decimal
separator, whatever the language: it cannot be meant otherwise. Anything else that is
not a number is refused with a message that says how to write one.
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

#: Per language: (thousands separator, decimal separator).
SEPARATORS = {"vi": (".", ","), "en": (",", ".")}
_GROUPED = re.compile(r"^\d{1,3}(?:X\d{3})+$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def _grouped(digits: str, separator: str) -> bool:
    """Whether ``digits`` is digits grouped in threes by ``separator`` ("150.000.000")."""
    return bool(_GROUPED.match(digits.replace(separator, "X"))) if separator in digits else False


def parse_number(text: str, language: str | None = None) -> Decimal:
    """``text`` as a Decimal, read as ``language`` (the active one by default) writes
    numbers; ValueError when it is not a number."""
    thousands, decimal = SEPARATORS.get((language or translation.get_language() or "vi")[:2], SEPARATORS["vi"])
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


class _LocalNumber:
    """Shared by LocalDecimalField and LocalIntegerField: a text input with the
    phone's numeric keyboard, read by parse_number()."""

    input_mode = "decimal"

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
                params={"value": str(value)[:40], "example": _("1,234,567.5 (or 0.85)")},
            ) from None


class LocalDecimalField(_LocalNumber, forms.DecimalField):
    widget = forms.TextInput

    def to_python(self, value: object) -> Decimal | None:
        return self._parse(value)


class LocalIntegerField(_LocalNumber, forms.IntegerField):
    widget = forms.TextInput
    input_mode = "numeric"

    def to_python(self, value: object) -> int | None:
        number = self._parse(value)
        if number is None:
            return None
        if number != number.to_integral_value():
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
