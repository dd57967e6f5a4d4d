"""Filter pieces shared by the lists of every app (django-filter)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget

from cpdash.numbers import LocalDecimalField


class AnyYesNo(BooleanWidget):
    """A yes/no select whose empty choice reads "any" (accepts true/false and 1/0)."""

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs)
        self.choices = [("", _("any")), ("true", _("yes")), ("false", _("no"))]


class LocalNumberFilter(django_filters.NumberFilter):
    """A number typed as the user's language writes it, as the staff forms read quantities
    (cpdash.numbers.LocalDecimalField): "7,5" in Vietnamese, "7.5" in English, in a text
    input with the phone's decimal keyboard (a browser's number input in a Vietnamese page
    turned "7,5" into 75), shown back as typed. A point that groups nothing ("7.5", as the
    dashboard's links write it) is a decimal point in both languages."""

    field_class = LocalDecimalField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(*args, **kwargs)
