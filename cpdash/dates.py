"""The one policy for an "as of" date typed by a user: in a URL, a form, a filter or a command.

Accepted: YYYY-MM-DD (ISO, what date inputs send) and DD/MM/YYYY (the Vietnamese
way, day first; D/M/YYYY too). Empty means today. Refused, with a message that
says why: text that is no such date, a day after today (nothing has been recorded
yet), and a day before EARLIEST_AS_OF.

parse_as_of() is the policy as a function (the JSON API, the ``indicators``
command); AsOfField applies it in forms, AsOfFilter in django-filter filter sets.
The refusals write their dates as the user's language does (local_day: 31/12/2015),
as the pages and forms do; the JSON API and the command, whose callers send ISO,
ask for ISO (``format_day=datetime.date.isoformat``).
No database, and no import of the apps: this is the lowest layer.
"""

import datetime
import re
from collections.abc import Callable

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: The earliest as-of date accepted. No programme, record or facility the dashboard
#: counts is older (cleaner production reached Vietnam in the late 1990s), so an
#: earlier date is a typo (0212 for 2012) — and the indicators reach back from the
#: as-of date (a year for trends, months for series), which must stay above date.min.
EARLIEST_AS_OF = datetime.date(1900, 1, 1)

_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DAY_FIRST = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
#: Of a refused value, at most this many characters are quoted back.
_QUOTED = 40

DayFormat = Callable[[datetime.date], str]


def local_day(day: datetime.date) -> str:
    """``day`` as the active language writes a date in a message (its SHORT_DATE_FORMAT,
    cpdash/formats: 31/12/2015). Call it when the message is built, in the user's language;
    dates in URLs, JSON, exports' machine columns and logs stay ISO."""
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def parse_date(value: str) -> datetime.date:
    """The date ``value`` spells as YYYY-MM-DD or DD/MM/YYYY (surrounding spaces ignored).

    Raises ValidationError (code "invalid") for anything else, such as 2012-02-30,
    20121231 or 12/31/2012. No bounds: see check_as_of().
    """
    text = value.strip()
    try:
        if _ISO.fullmatch(text):
            return datetime.date.fromisoformat(text)
        if match := _DAY_FIRST.fullmatch(text):
            day, month, year = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
    except ValueError:
        pass
    raise ValidationError(
        _("“%(value)s” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
        code="invalid",
        params={"value": _quoted(text)},
    )


def not_in_future(day: datetime.date) -> None:
    """Refuse a day after today in the site's time zone (a validator: what happened, a record's
    day or a facility's opening or closing, is not after today); today is allowed."""
    today = timezone.localdate()
    if day > today:
        raise ValidationError(
            _("%(day)s is in the future: enter today (%(today)s) or an earlier date."),
            code="future",
            params={"day": local_day(day), "today": local_day(today)},
        )


def check_as_of(day: datetime.date, *, today: datetime.date, format_day: DayFormat = local_day) -> datetime.date:
    """``day`` when it is from EARLIEST_AS_OF to ``today``; else ValidationError ("future", "too_early"),
    its dates written by ``format_day`` (default: as the active language writes them)."""
    if day > today:
        raise ValidationError(
            _("%(day)s is in the future: enter today (%(today)s) or an earlier date."),
            code="future",
            params={"day": format_day(day), "today": format_day(today)},
        )
    if day < EARLIEST_AS_OF:
        raise ValidationError(
            _("%(day)s is too early: enter %(earliest)s or a later date."),
            code="too_early",
            params={"day": format_day(day), "earliest": format_day(EARLIEST_AS_OF)},
        )
    return day


def parse_as_of(value: str | None, *, today: datetime.date, format_day: DayFormat = local_day) -> datetime.date:
    """The as-of date ``value`` asks for: ``today`` when empty, else parse_date() then check_as_of()."""
    if value is None or not value.strip():
        return today
    return check_as_of(parse_date(value), today=today, format_day=format_day)


def named_message(error: ValidationError, name: str) -> str:
    """The error of parameter (or option) ``name`` as one line: "as_of: … is in the future: …"."""
    return _("%(name)s: %(error)s") % {"name": name, "error": " ".join(error.messages)}


def _quoted(text: str) -> str:
    """``text`` fit to quote in a message: control characters (a NUL byte) as �, long text cut."""
    text = "".join("\N{REPLACEMENT CHARACTER}" if ord(c) < 32 or ord(c) == 127 else c for c in text)
    return text if len(text) <= _QUOTED else text[: _QUOTED - 1] + "…"


#: What a day-first date input accepts (the browser's check; the server parses either way).
DAY_PATTERN = r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2}"


class DayTextInput(forms.DateInput):
    """A date typed and shown day first, 31/12/2015, in both languages (cpdash/formats).

    A text input, not ``type="date"``: a date input shows the browser's locale (an English
    Chromium shows mm/dd/yyyy on a Vietnamese page). The server reads what the language's
    DATE_INPUT_FORMATS read (DD/MM/YYYY, YYYY-MM-DD), so links and tests may still send ISO."""

    input_type = "text"

    def __init__(self, attrs: dict | None = None) -> None:
        defaults = {
            "placeholder": gettext_lazy("dd/mm/yyyy"),
            "pattern": DAY_PATTERN,
            "title": gettext_lazy("A date, day first: 31/12/2015."),
            "autocomplete": "off",
            "size": 10,
            "class": "day",
        }
        attrs = {key: value for key, value in (attrs or {}).items() if key not in ("type", "max", "min")}
        super().__init__({**defaults, **attrs}, format="%d/%m/%Y")


def day_text(day: datetime.date) -> str:
    """``day`` as DayTextInput shows it (and every form reads it): 31/12/2015."""
    return day.strftime("%d/%m/%Y")


class AsOfField(forms.DateField):
    """A date field with the as-of policy: YYYY-MM-DD or DD/MM/YYYY, from EARLIEST_AS_OF to today.

    Empty gives None (``required=False``), so the form chooses the default.
    ``today`` is called at validation; the site's local date by default.
    """

    widget = DayTextInput

    def __init__(self, *, today: Callable[[], datetime.date] = timezone.localdate, **kwargs) -> None:
        self.today = today
        super().__init__(**kwargs)

    def to_python(self, value: object) -> datetime.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        return parse_date(str(value))

    def validate(self, value: datetime.date | None) -> None:
        super().validate(value)
        if value is not None:
            check_as_of(value, today=self.today())


class AsOfFilter(django_filters.DateFilter):
    """A django-filter filter whose form field is AsOfField (an invalid date is a form error)."""

    field_class = AsOfField
