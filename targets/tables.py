"""Tables of the dashboard (django-tables2), fed by annotated querysets."""

import datetime

import django_tables2 as tables
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cpdash.tables import TEMPLATE
from facilities.models import AdministrativeUnit
from programmes.models import percent
from targets import arithmetic
from targets.dashboard import facility_list_url


class CountColumn(tables.Column):
    """A unit's count of facilities, linked to the facility list behind it;
    with ``share``, followed by its percent of the unit's ``facility_count``."""

    def __init__(self, *args, status: str = "", share: bool = True, **kwargs):
        super().__init__(*args, attrs={"td": {"class": "num"}}, **kwargs)
        self.status = status
        self.share = share

    def render(self, value, record, table):
        # As the language writes numbers (1.234 and 39,0% in Vietnamese), like every figure.
        text = formats.number_format(value, force_grouping=True)
        share = arithmetic.percent(value, record.facility_count) if self.share else None
        if share is not None:
            text = f"{text} ({percent(share)})"
        url = facility_list_url(unit=record.pk, status=self.status, as_of=table.as_of.isoformat(), **table.scope_query)
        return format_html('<a href="{}">{}</a>', url, text)


class UnitsTable(tables.Table):
    """The units of the dashboard's day with their counts: a list (a few hundred units at most),
    sorted in Python, names in the order of the Vietnamese alphabet (cpdash.text.vietnamese_key;
    the database compares code points, "Ba Vì" before "Ba Đình")."""

    # A readable width for the names (dashboard.css, td.name), not one word per line.
    name = tables.Column(verbose_name=_("Administrative unit"), attrs={"td": {"class": "name"}}, order_by=("name_key",))
    kind = tables.Column(verbose_name=_("Kind"))
    facility_count = CountColumn(verbose_name=_("Facilities in scope"), status="counted", share=False)
    aware_count = CountColumn(verbose_name=_("Aware"), status="aware")
    applying_count = CountColumn(verbose_name=_("Applying"), status="applying")
    has_specialist = tables.BooleanColumn(verbose_name=_("CP specialist in post"), yesno=(_("yes"), _("no")))

    class Meta:
        model = AdministrativeUnit
        fields = ("name", "kind", "facility_count", "aware_count", "applying_count", "has_specialist")
        template_name = TEMPLATE
        orderable = True
        attrs = {"class": "data"}

    def __init__(self, units, *args, as_of: datetime.date, scope_query: dict[str, str], **kwargs):
        super().__init__(sorted(units, key=lambda unit: unit.name_key), *args, **kwargs)
        self.as_of = as_of
        self.scope_query = {key: value for key, value in scope_query.items() if key != "unit"}
