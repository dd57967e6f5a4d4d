"""cpdash.dates: the one as-of date policy (no database)."""

import datetime as dt

import django_filters
import pytest
from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import formats, timezone, translation

from cpdash.dates import (
    EARLIEST_AS_OF,
    AsOfField,
    AsOfFilter,
    check_as_of,
    local_day,
    named_message,
    not_in_future,
    parse_as_of,
    parse_date,
)

D = dt.date
TODAY = D(2026, 12, 6)


def refusal(value: str | None, today: dt.date = TODAY) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse_as_of(value, today=today)
    return caught.value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2012-12-31", D(2012, 12, 31)),
        ("  2012-12-31 ", D(2012, 12, 31)),
        ("31/12/2012", D(2012, 12, 31)),  # Vietnamese: day first
        ("01/02/2012", D(2012, 2, 1)),
        ("1/2/2012", D(2012, 2, 1)),
        ("29/02/2016", D(2016, 2, 29)),
        ("1900-01-01", EARLIEST_AS_OF),
        ("2026-12-06", TODAY),  # today itself is allowed
        ("06/12/2026", TODAY),
    ],
)
def test_accepted(value, expected):
    assert parse_as_of(value, today=TODAY) == expected


@pytest.mark.parametrize("value", [None, "", "   "])
def test_empty_is_today(value):
    assert parse_as_of(value, today=TODAY) == TODAY


@pytest.mark.parametrize(
    "value",
    [
        "x",
        "2012-13-01",
        "2012-02-30",
        "29/02/2015",
        "31/13/2012",
        "12/31/2012",  # month first is not a convention here
        "20121231",
        "2012-1-2",
        "12/12/12",
        "2012-12-31T00:00",
        "２０１２-１２-３１",  # full-width digits
        "2012-12-31\x00",
        "\x00",
        "-2012-12-31",
    ],
)
def test_unparseable(value):
    error = refusal(value)
    assert error.code == "invalid"
    assert error.messages[0].endswith("is not a date: write YYYY-MM-DD or DD/MM/YYYY.")


def test_unparseable_value_is_quoted_safely():
    assert refusal("soon").messages == ["“soon” is not a date: write YYYY-MM-DD or DD/MM/YYYY."]
    # A NUL byte is not echoed; a long value is cut.
    assert refusal("2012\x00").messages == [
        "“2012\N{REPLACEMENT CHARACTER}” is not a date: write YYYY-MM-DD or DD/MM/YYYY."
    ]
    assert "\x00" not in refusal("\x00").messages[0]
    assert len(refusal("9" * 10_000).messages[0]) < 100


@pytest.mark.parametrize("value", ["2026-12-07", "07/12/2026", "2999-01-01", "9999-12-31"])
def test_future_refused_saying_today(value):
    error = refusal(value)
    assert error.code == "future"
    assert "is in the future: enter today (06/12/2026) or an earlier date." in error.messages[0]


@pytest.mark.parametrize("value", ["0001-01-01", "01/01/0001", "1899-12-31", "0212-12-31"])
def test_too_early_refused(value):
    error = refusal(value)
    assert error.code == "too_early"
    assert error.messages[0].endswith("is too early: enter 01/01/1900 or a later date.")


def test_check_as_of_bounds():
    assert check_as_of(TODAY, today=TODAY) == TODAY
    assert check_as_of(EARLIEST_AS_OF, today=TODAY) == EARLIEST_AS_OF
    with pytest.raises(ValidationError):
        check_as_of(TODAY + dt.timedelta(days=1), today=TODAY)
    with pytest.raises(ValidationError):
        check_as_of(EARLIEST_AS_OF - dt.timedelta(days=1), today=TODAY)


def test_earliest_leaves_room_to_reach_back():
    """The indicators look a year back, and series months back, from the as-of date."""
    assert EARLIEST_AS_OF.year - 100 > dt.date.min.year


def test_parse_date_has_no_bounds():
    assert parse_date("0001-01-01") == D(1, 1, 1)
    assert parse_date("9999-12-31") == D(9999, 12, 31)


def test_named_message():
    error = refusal("2999-01-01")
    assert named_message(error, "as_of") == (
        "as_of: 01/01/2999 is in the future: enter today (06/12/2026) or an earlier date."
    )


def test_messages_are_translated():
    with translation.override("vi"):
        assert "tương lai" in refusal("2999-01-01").messages[0]
        assert "06/12/2026" in refusal("2999-01-01").messages[0]
        assert refusal("x").messages[0] != "“x” is not a date: write YYYY-MM-DD or DD/MM/YYYY."
        assert "01/01/1900" in refusal("0001-01-01").messages[0]
        assert refusal("0001-01-01").messages[0] != "01/01/0001 is too early: enter 01/01/1900 or a later date."


class Form(forms.Form):
    as_of = AsOfField(required=False, today=lambda: TODAY)


#: The refusals of 9999-12-31 and 0001-01-01, in each language: the dates as the language writes
#: them (cpdash/formats SHORT_DATE_FORMAT, day first in both), as the pages and the staff forms do.
REFUSALS = {
    "vi": (
        "31/12/9999 là ngày trong tương lai: hãy nhập ngày hôm nay (06/12/2026) hoặc một ngày trước đó.",
        "01/01/0001 là ngày quá sớm: hãy nhập ngày 01/01/1900 hoặc một ngày sau đó.",
    ),
    "en": (
        "31/12/9999 is in the future: enter today (06/12/2026) or an earlier date.",
        "01/01/0001 is too early: enter 01/01/1900 or a later date.",
    ),
}


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("typed", ["iso", "day first"])
def test_refusals_write_dates_as_the_language_does(language, typed):
    """Not 9999-12-31 and (2026-12-06): the form's message writes dates as its input takes them."""
    future, early = ("9999-12-31", "0001-01-01") if typed == "iso" else ("31/12/9999", "01/01/0001")
    with translation.override(language):
        assert Form({"as_of": future}).errors["as_of"] == [REFUSALS[language][0]]
        assert Form({"as_of": early}).errors["as_of"] == [REFUSALS[language][1]]
        assert refusal(future).messages == [REFUSALS[language][0]]
        assert local_day(TODAY) == formats.date_format(TODAY, "SHORT_DATE_FORMAT") == "06/12/2026"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_refusals_in_iso_when_asked(language):
    """The JSON API and the ``indicators`` command ask for ISO: their callers write it."""
    with translation.override(language), pytest.raises(ValidationError) as caught:
        parse_as_of("31/12/9999", today=TODAY, format_day=dt.date.isoformat)
    assert "9999-12-31" in caught.value.messages[0] and "(2026-12-06)" in caught.value.messages[0]
    assert "31/12/9999" not in caught.value.messages[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", None), ("2012-12-31", D(2012, 12, 31)), ("31/12/2012", D(2012, 12, 31)), ("2026-12-06", TODAY)],
)
def test_field_accepts(value, expected):
    form = Form({"as_of": value})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["as_of"] == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-12-07", "07/12/2026 is in the future: enter today (06/12/2026) or an earlier date."),
        ("0001-01-01", "01/01/0001 is too early: enter 01/01/1900 or a later date."),
        ("x\x00", "“x\N{REPLACEMENT CHARACTER}” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
        ("2012-02-30", "“2012-02-30” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
    ],
)
def test_field_refuses_with_the_policy_message(value, message):
    form = Form({"as_of": value})
    assert not form.is_valid()
    assert form.errors["as_of"] == [message]


def test_field_checks_date_objects_too():
    field = AsOfField(today=lambda: TODAY)
    assert field.clean(dt.datetime(2012, 12, 31, 10, 0)) == D(2012, 12, 31)
    with pytest.raises(ValidationError):
        field.clean(D(2999, 1, 1))


def test_field_today_defaults_to_the_local_date(settings):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    from django.utils import timezone

    field = AsOfField(required=False)
    assert field.clean(timezone.localdate().isoformat()) == timezone.localdate()
    with pytest.raises(ValidationError):
        field.clean((timezone.localdate() + dt.timedelta(days=1)).isoformat())


def test_field_renders_a_day_first_text_input():
    """Not type="date": that shows the browser's locale (mm/dd/yyyy in an English Chromium)."""
    html = str(Form(initial={"as_of": dt.date(2015, 12, 31)})["as_of"])
    assert 'type="text"' in html and 'value="31/12/2015"' in html
    assert 'placeholder="dd/mm/yyyy"' in html


class Filters(django_filters.FilterSet):
    as_of = AsOfFilter(method="keep", today=lambda: TODAY)

    def keep(self, queryset, name, value):
        return queryset


def test_filter_uses_the_policy():
    assert Filters({"as_of": "31/12/2012"}, queryset=User.objects.none()).form.is_valid()
    assert Filters({}, queryset=User.objects.none()).form.is_valid()
    filters = Filters({"as_of": "2999-01-01"}, queryset=User.objects.none())
    assert not filters.form.is_valid()
    assert "is in the future" in filters.form.errors["as_of"][0]


def test_today_is_not_in_the_future():
    not_in_future(timezone.localdate())


def test_tomorrow_is_in_the_future_and_the_message_says_today():
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="is in the future: enter today") as caught:
        not_in_future(tomorrow)
    assert caught.value.code == "future"
