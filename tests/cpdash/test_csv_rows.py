"""cpdash.imports.CSVRows gives the rows, headers and refusals of CSVFormat without holding them."""

import codecs

import pytest

from cpdash.imports import CSVFormat, CSVRows, ImportFileError

UTF8 = 'code,Tên cơ sở, Opened on \r\nF1,Lò gốm,2010-01-01\r\n,,\r\nF2,"Bát\r\nTràng, ""Gốm""",\r\nF3\r\n\r\n,,\r\n'
FILES = {
    "utf-8": UTF8.encode(),
    "utf-8-bom": codecs.BOM_UTF8 + UTF8.encode(),
    "utf-16": UTF8.encode("utf-16"),
    "windows-1258": "code,name\nF1,Lo\u0300 gô\u0301m\n".encode("cp1258"),
    "semicolons": UTF8.replace(",", ";").encode(),
    "tabs": UTF8.replace(",", "\t").encode(),
    "lf": UTF8.replace("\r\n", "\n").encode(),
    "header-only": b"code,name\n",
    "blank-header-cells": b"code,,name,,\nF1,,N\n",
    "no-final-newline": b"code,name\nF1,N",
    # Rows the first pass reads at its fast path beside ones it does not: formula-escaped and
    # whitespace cells, rows of spaces and tabs (blank), short rows, trailing blank rows.
    "escaped-and-blank": b"code,name,kind\n'=F1,'=SUM(1),\n  ,\t, \n'\t,''=x,'\nF2\n \"\n\",,\n,,\n",
}


@pytest.mark.parametrize("data", FILES.values(), ids=FILES.keys())
def test_rows_and_headers_are_those_of_csvformat(data):
    dataset = CSVFormat().create_dataset(data)
    rows = CSVRows(data)

    assert rows.headers == dataset.headers
    assert len(rows) == len(dataset)
    assert [tuple(r) for r in rows] == [tuple(r) for r in dataset]
    assert [tuple(r) for r in rows] == [tuple(r) for r in dataset]  # iterable again


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n",
        b"code,name\nF1,N,extra\nF2,N\nF3,N,,more\n",
        "code,name\nF1,Müller\n".encode("cp1252"),
        b"code,name\nF1,N\x00\n",
        b"PK\x03\x04 a workbook",
    ],
    ids=["empty", "blank", "too-long", "cp1252", "nul", "xlsx"],
)
def test_refusals_are_those_of_csvformat(data):
    with pytest.raises(ImportFileError) as expected:
        CSVFormat().create_dataset(data)
    with pytest.raises(ImportFileError) as got:
        CSVRows(data)
    assert str(got.value) == str(expected.value)


def test_del_empties_it():
    rows = CSVRows(FILES["utf-8"])
    del rows[:]
    assert len(rows) == 0
    assert list(rows) == []


GUARDED = {
    "rows": (b"code,name\n" + b"F,N\n" * 6, {"IMPORT_MAX_ROWS": 5}),
    "blank-rows": (b"code,name\n" + b",\n" * 6 + b"F,N\n", {"IMPORT_MAX_BLANK_ROWS": 5}),
    "cell-length": (b"code,name\nF1," + b"x" * 11 + b"\n", {"IMPORT_MAX_CELL_LENGTH": 10}),
    "header-cell-length": (b"code," + b"x" * 11 + b"\nF1,N\n", {"IMPORT_MAX_CELL_LENGTH": 10}),
    "columns": (b"a,b,c,d\n1,2,3,4\n", {"IMPORT_MAX_COLUMNS": 3}),
    "rows-after-blank-ones": (b"code,name\n" + b"F,N\n" * 3 + b" , \n" * 2 + b"F,N\n", {"IMPORT_MAX_ROWS": 5}),
    "blank-rows-of-spaces": (b"code,name\nF,N\n" + b" ,\t\n" * 3 + b"F,N\n", {"IMPORT_MAX_BLANK_ROWS": 2}),
    "cell-length-later": (b"code,name\n" + b"F,xxxxxxxxxx\n" * 3 + b"F,xxxxxxxxxxx\n", {"IMPORT_MAX_CELL_LENGTH": 10}),
    "field-size-limit": (b'code,name\nF1,"' + b"x" * 200_000 + b'"\n', {}),
}


@pytest.mark.parametrize(("data", "limits"), GUARDED.values(), ids=GUARDED.keys())
def test_the_import_guards_refuse_as_in_csvformat(settings, data, limits):
    """The command reads CSV with CSVRows: the guards of docs/import.md, "Limits", hold there too."""
    for name, value in limits.items():
        setattr(settings, name, value)
    with pytest.raises(ImportFileError) as expected:
        CSVFormat().create_dataset(data)
    with pytest.raises(ImportFileError) as got:
        CSVRows(data)
    assert str(got.value) == str(expected.value)
