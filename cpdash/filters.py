"""Filter pieces shared by the lists of every app (django-filter)."""

from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget


class AnyYesNo(BooleanWidget):
    """A yes/no select whose empty choice reads "any" (accepts true/false and 1/0)."""

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs)
        self.choices = [("", _("any")), ("true", _("yes")), ("false", _("no"))]
