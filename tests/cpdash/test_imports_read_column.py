"""Reading a column of cells at once (cpdash.imports.read_column, is_blank): each distinct
cell is cleaned once, and every cell gets exactly what cleaning it alone gives."""

import datetime

import pytest
from import_export import widgets

from cpdash.imports import DayWidget, cell_text, is_blank, read_column


class CountingWidget(widgets.Widget):
    """Upper-cases text; refuses "bad" with a message naming the cell; counts its calls."""

    def __init__(self):
        super().__init__()
        self.cells: list[object] = []

    def clean(self, value, row=None, **kwargs):
        self.cells.append(value)
        if value == "bad":
            raise ValueError(f"“{value}” is bad.")
        return value.upper() if isinstance(value, str) else value


def test_each_distinct_cell_is_cleaned_once():
    widget = CountingWidget()

    found = read_column(widget, ["a", "b", "a", None, "b", None, "a"])

    assert found == [("A", None), ("B", None), ("A", None), (None, None), ("B", None), (None, None), ("A", None)]
    assert widget.cells == ["a", "b", None]


def test_a_refused_cell_gives_the_same_message_on_every_row():
    widget = CountingWidget()

    found = read_column(widget, ["bad", "ok", "bad"])

    assert found == [(None, "“bad” is bad."), ("OK", None), (None, "“bad” is bad.")]
    assert widget.cells == ["bad", "ok"]


def test_equal_cells_of_different_types_are_read_apart():
    """1, 1.0 and True are equal (and hash alike) in Python; a widget may read them apart."""
    widget = CountingWidget()

    found = read_column(widget, [1, 1.0, True, 1])

    assert [type(value) for value, _ in found] == [int, float, bool, int]
    assert widget.cells == [1, 1.0, True]


def test_a_date_and_a_datetime_of_the_same_day_are_read_apart():
    day, moment = datetime.date(2014, 3, 5), datetime.datetime(2014, 3, 5, 0, 0)

    found = read_column(DayWidget(), [day, moment, "2014-03-05", "05/03/2014"])

    assert found == [(day, None)] * 4


def test_convert_is_applied_to_values_not_to_problems():
    found = read_column(CountingWidget(), ["x", "bad"], convert=len)

    assert found == [(1, None), (None, "“bad” is bad.")]


def test_an_unhashable_cell_is_read_alone():
    widget = CountingWidget()

    found = read_column(widget, [["a"], ["a"]])

    assert found == [(["a"], None), (["a"], None)]
    assert len(widget.cells) == 2


@pytest.mark.parametrize(
    ("cells", "blank"),
    [
        ([None, "", "  \t"], True),
        ([], True),
        ([None, "x"], False),
        ([0], False),
        ([0.0, None], False),
        ([False], False),
        ([datetime.date(2014, 1, 1)], False),
        (["'=1"], False),
    ],
)
def test_is_blank_agrees_with_cell_text(cells, blank):
    assert is_blank(cells) is blank


def test_is_blank_is_what_every_cell_text_being_empty_says():
    for cells in ([None, " "], ["'"], ["'="], [" 0 "], [1.0], [None]):
        assert is_blank(cells) is (not any(cell_text(v) for v in cells))
