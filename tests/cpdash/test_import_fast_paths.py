"""The import's fast paths (a large file reads each row with less Python: docs/performance-history.md,
"Less Python per row") give what the general code gives, on the inputs that could tell them
apart: formula-escaped names, blank and whitespace cells, too-long cells, Vietnamese text in
either normal form, other scripts and marks, values of every type a file or a row holds."""

import datetime
import re
import sys
import unicodedata

import pytest

from cpdash.bulk import copy_column, copy_text
from cpdash.exports import unescape_formula
from cpdash.imports import NameIndex, NameWidget, TextWidget, cell_text, read_column
from cpdash.text import fold
from facilities.models import Facility

TEXTS = [
    "Bát Tràng",
    unicodedata.normalize("NFD", "Công ty TNHH Sản xuất Đông Anh"),  # decomposed: NFC folding
    "  ĐỒNG   ĐỨC\t",
    "Hoà / Hòa",
    "KCN Thạch Thất – Quốc Oai",  # an en dash beside the Vietnamese marks
    "Müller “Café” ﬁ ß",
    "Ç\u0327a n\u0303 e\u20dd",  # combining marks Vietnamese has none of
    "ΟΔΟΣ ΑΣ",  # final sigma: lower() looks at the neighbours
    "a\u00a0b\u2003c\u3000d\x1ce",  # other whitespace
    "한국어 テスト",
    "'=SUM(1)",
    "\ud800 lone surrogate",
    "",
    " ",
    None,
]


def fold_as_before(text):
    """cpdash.text.fold as it was: every combining character deleted by a translate table."""
    if not text:
        return ""
    table = _combining_table()
    stripped = unicodedata.normalize("NFD", str(text)).translate(table).replace("đ", "d").replace("Đ", "D")
    return re.sub(r"\s+", " ", stripped).strip().lower()


_TABLE = {}


def _combining_table():
    if not _TABLE:
        _TABLE.update({cp: None for cp in range(sys.maxunicode + 1) if unicodedata.combining(chr(cp))})
    return _TABLE


@pytest.mark.parametrize("text", TEXTS)
def test_fold_is_what_deleting_every_combining_character_gives(text):
    assert fold(text) == fold_as_before(text)


def cell_text_as_before(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unescape_formula(str(value).strip()).strip()


class Text(str):
    def strip(self, chars=None):
        return "subclass"


CELLS = [
    *(t for t in TEXTS if t is not None),
    "'=1+1",
    " '=1 ",
    "''=1",
    "'abc",
    "'\tx",
    "'\t",
    "'",
    "' ",
    " \t ",
    "'-5",
    "'@x",
    Text(" x "),
    12.0,
    12.5,
    12,
    True,
    None,
    datetime.date(2010, 3, 15),
]


@pytest.mark.parametrize("value", CELLS)
def test_cell_text_of_text_is_what_the_general_path_gives(value):
    assert cell_text(value) == cell_text_as_before(value)


def read_alone(widget, cells):
    """What read_column promises: each cell cleaned alone."""
    found = []
    for cell in cells:
        try:
            found.append((widget.clean(cell), None))
        except ValueError as error:
            found.append((None, str(error)))
    return found


TEXT_COLUMN = ["F1", " F1 ", "'=F2", "''=F2", "", None, "  ", "x" * 10, "x" * 11, " " + "x" * 10 + " ", "F1", None]


@pytest.mark.parametrize("missing", [None, "Missing code."])
def test_a_text_column_reads_as_each_cell_alone(missing):
    widget = TextWidget(missing, max_length=10)

    found = read_column(widget, TEXT_COLUMN)

    assert found == read_alone(widget, TEXT_COLUMN)
    assert found[8][1] == "Ensure this value has at most 10 characters (it has 11)."
    assert found[9] == ("x" * 10, None)


def test_a_column_of_mixed_types_reads_as_each_cell_alone():
    widget = TextWidget(max_length=10)
    cells = ["1", 1, 1.0, True, None, "1", 1.0, Text("a"), datetime.date(2010, 1, 1)]

    assert read_column(widget, cells) == read_alone(widget, cells)


class Named:
    def __init__(self, pk, name):
        self.pk, self.name = pk, name


def test_a_name_column_reads_as_each_cell_alone():
    widget = NameWidget("Unknown “%(value)s”.", "Missing.")
    widget.index = NameIndex.build([Named(1, "Gia Lâm"), Named(2, "Gia Lam"), Named(3, "Đông Anh")])
    cells = ["Gia Lâm", "gia lam", "GIA  LAM", "Đong Anh", "dong anh", unicodedata.normalize("NFD", "Gia Lâm"), ""]
    cells += ["Nowhere", None, "'=Đông Anh", "Gia Lâm"]

    found = read_column(widget, cells, lambda obj: None if obj is None else obj.pk)

    assert found == [(None if v is None else v.pk, m) for v, m in read_alone(widget, cells)]


COLUMNS = {
    "ints": [1, 2, 3, -4, 10**20],
    "ints-and-null": [None, 1, None, 0],
    "booleans": [True, False, True],
    "booleans-and-null": [None, False],
    "dates": [datetime.date(2010, 3, 15), None, datetime.date(1, 1, 1)],
    "datetimes": [datetime.datetime(2010, 3, 15, 8, 30), datetime.datetime(2011, 1, 1)],
    "text": ["Cơ sở", "a b", "", "'=1"],
    "text-to-escape": ["a\\b", "tab\there", "new\nline", "cr\r", "plain"],
    "text-to-escape-and-null": [None, "x\ty"],
    "text-and-null": [None, "x", None],
    "choices": [Facility.Kind.ENTERPRISE, Facility.Kind.HOUSEHOLD],
    "choices-and-text": [Facility.Kind.ENTERPRISE, "household"],
    "mixed": [1, True, "1", None, 1.5, datetime.date(2010, 1, 1)],
    "floats": [1.5, 2.0],
    "nulls": [None, None],
    "empty": [],
}


@pytest.mark.parametrize("values", COLUMNS.values(), ids=COLUMNS.keys())
def test_copy_column_is_copy_text_of_each_value(values):
    assert copy_column(values) == [copy_text(v) for v in values]
