"""Tables of the dashboard (django-tables2), fed by annotated querysets."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from facilities.models import AdministrativeUnit
from targets.arithmetic import percent, round1


class PercentOfColumn(tables.Column):
    """A count with its share of the row's ``facility_count``, e.g. "12 (15.0%)"."""

    def render(self, value, record):
        share = round1(percent(value, record.facility_count))
        return f"{value:,} ({share:.1f}%)" if share is not None else f"{value:,}"


class UnitsTable(tables.Table):
    name = tables.Column(verbose_name=_("Administrative unit"))
    kind = tables.Column(verbose_name=_("Kind"))
    facility_count = tables.Column(verbose_name=_("Facilities in scope"), attrs={"td": {"class": "num"}})
    aware_count = PercentOfColumn(verbose_name=_("Aware"), attrs={"td": {"class": "num"}})
    applying_count = PercentOfColumn(verbose_name=_("Applying"), attrs={"td": {"class": "num"}})
    has_specialist = tables.BooleanColumn(verbose_name=_("CP specialist in post"), yesno=(_("yes"), _("no")))

    class Meta:
        model = AdministrativeUnit
        fields = ("name", "kind", "facility_count", "aware_count", "applying_count", "has_specialist")
        template_name = "django_tables2/table.html"
        orderable = True
        attrs = {"class": "data"}
