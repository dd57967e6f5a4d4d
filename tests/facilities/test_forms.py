"""facilities/forms.py: unit fields and filters whose choices are grouped by whether the
unit exists today, in one query."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from facilities.forms import NameChoiceField, NameFilter, UnitField, UnitFilter
from facilities.models import AdministrativeUnit, Sector
from tests import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    today = timezone.localdate()
    return {
        "ended": b.unit("Gia Lâm", valid_until=dt.date(2025, 6, 30)),
        "today": b.unit("Bát Tràng", valid_from=dt.date(2025, 7, 1)),
        "later": b.unit("Phường Mới", valid_from=today + dt.timedelta(days=10)),
    }


def test_a_unit_field_groups_its_units_today_first(units, django_assert_num_queries):
    field = UnitField(queryset=AdministrativeUnit.objects.order_by("name"), required=False)
    with django_assert_num_queries(1):
        choices = []
        for choice in field.choices:  # as a widget reads them (list() would ask their count first)
            choices.append(choice)
    later = units["later"].valid_from.strftime("%d/%m/%Y")
    assert [(label, [text for _value, text in group]) for label, group in choices[1:]] == [
        ("Administrative units today", ["Bát Tràng"]),
        ("Not formed yet", [f"Phường Mới (from {later})"]),
        ("No longer existing", ["Gia Lâm (until 30/06/2025)"]),
    ]
    assert choices[0] == ("", field.empty_label)
    assert field.clean(str(units["ended"].pk)) == units["ended"]  # every unit can still be chosen


def test_a_group_without_units_is_not_shown(units):
    units["later"].delete()
    field = UnitField(queryset=AdministrativeUnit.objects.all(), required=False)
    assert [label for label, _group in list(field.choices)[1:]] == ["Administrative units today", "No longer existing"]


def test_a_unit_filter_is_grouped_in_vietnamese(units):
    unit = UnitFilter(field_name="unit", empty_label="tất cả")
    with translation.override("vi"):
        html = unit.field.widget.render("unit", None)
    assert '<optgroup label="Đơn vị hành chính hiện nay">' in html
    assert ">Gia Lâm (đến 30/06/2025)</option>" in html
    assert html.index("Bát Tràng") < html.index("Gia Lâm")


def drawn(field) -> list:
    """The field's choices as a widget reads them (list() would ask their count first: a query)."""
    choices = []
    for choice in field.choices:
        choices.append(choice)
    return choices


def test_units_and_sectors_are_offered_in_the_order_of_the_vietnamese_alphabet(django_assert_num_queries):
    """The databases compare code points, which put "Phường Hoàng Mai" before "Phường Hà Đông" and
    "Điện tử" after "Gốm sứ"; a drop-down follows the alphabet (a ă â … d đ e …), in one query still."""
    for name in ("Phường Hoàng Mai", "Phường Hà Đông", "Phường Cầu Giấy", "Phường Chương Mỹ"):
        b.unit(name)
    for name in ("Gốm sứ", "Điện tử", "Dệt may", "Cơ khí"):
        b.sector(name)
    units = UnitField(queryset=AdministrativeUnit.objects.order_by("name"), required=False)
    sectors = NameChoiceField(queryset=Sector.objects.order_by("name"), required=False)
    with django_assert_num_queries(2):
        (_label, today), *_others = drawn(units)[1:]
        offered = [text for _value, text in drawn(sectors)[1:]]
    assert [text for _value, text in today] == [
        "Phường Cầu Giấy",
        "Phường Chương Mỹ",
        "Phường Hà Đông",
        "Phường Hoàng Mai",
    ]
    assert offered == ["Cơ khí", "Dệt may", "Điện tử", "Gốm sứ"]
    filtered = NameFilter(queryset=Sector.objects.all()).field
    assert [text for _value, text in list(filtered.choices)[1:]] == offered
