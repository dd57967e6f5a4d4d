"""Imports of programmes, phases (programmes/reference_resources.py) and targets
(targets/resources.py): templates, upsert by natural key, row errors, all or nothing."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpdash.imports import CSVFormat, XLSXFormat, row_problems
from programmes.models import Phase, Programme
from programmes.reference_resources import PhaseResource, ProgrammeResource
from targets.models import Target
from targets.resources import TargetResource
from tests import builders

pytestmark = pytest.mark.django_db


def csv_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def run(resource_class, data: bytes, fmt=CSVFormat):
    result = resource_class().import_data(fmt().create_dataset(data))
    return result, [str(p) for p in row_problems(result, resource_class.columns())]


def test_the_templates_import_back_in_both_formats_and_again_change_nothing():
    for fmt in (CSVFormat, XLSXFormat):
        for resource_class in (ProgrammeResource, PhaseResource, TargetResource):
            dataset = resource_class.template_dataset()
            data = dataset.export("xlsx") if fmt is XLSXFormat else dataset.export("csv").encode()
            result, problems = run(resource_class, data, fmt)
            assert problems == [], (resource_class, problems)
            if fmt is XLSXFormat:
                assert result.totals["skip"] == len(dataset)
    assert Programme.objects.get().slug == "hanoi-cp"
    assert Phase.objects.count() == 2
    assert Target.objects.count() == 3
    saving = Target.objects.get(indicator="application_with_saving")
    assert (saving.saving_min, saving.saving_max, saving.unit_level) == (Decimal(5), Decimal(8), "district")


def test_targets_update_by_phase_indicator_and_scope():
    phase = builders.phase(name="Đến 2015")
    builders.sector("Gốm sứ")
    header = ["chương trình", "giai đoạn", "indicator", "target_min", "deadline", "sector", "unit_level"]
    rows = [
        [phase.programme.slug, "đến 2015", "awareness", "50", "2015-12-31", "", ""],
        [phase.programme.slug, "Đến 2015", "awareness", "40", "2015-12-31", "Gốm sứ", ""],
        [phase.programme.slug, "Đến 2015", "specialist_coverage", "70", "2015-12-31", "", "cấp xã"],
    ]
    result, problems = run(TargetResource, csv_bytes(header, rows))
    assert problems == [] and result.totals["new"] == 3
    rows[0][3] = "55.5"
    result, problems = run(TargetResource, csv_bytes(header, rows))
    assert problems == [] and (result.totals["update"], result.totals["skip"]) == (1, 2)
    assert Target.objects.get(indicator="awareness", sector=None).target_min == Decimal("55.5")
    assert Target.objects.get(indicator="specialist_coverage").unit_level == "commune"


def test_target_row_errors_and_nothing_written():
    phase = builders.phase(name="Đến 2015")
    header = ["programme", "phase", "indicator", "target_min", "target_max", "deadline", "baseline_on"]
    rows = [
        [phase.programme.slug, "Đến 2015", "awareness", "50", "", "2015-12-31", ""],
        ["nope", "Đến 2015", "awareness", "50", "", "2015-12-31", ""],
        [phase.programme.slug, "2030", "awareness", "50", "", "2015-12-31", ""],
        [phase.programme.slug, "Đến 2015", "application", "150", "", "2015-12-31", ""],
        [phase.programme.slug, "Đến 2015", "saving", "8", "5", "2015-12-31", "2016-01-01"],
        [phase.programme.slug, "Đến 2015", "awareness", "60", "", "2015-12-31", ""],
    ]
    _result, problems = run(TargetResource, csv_bytes(header, rows))
    assert Target.objects.count() == 0
    assert any(p.startswith("Row 3, programme:") and "nope" in p for p in problems)
    assert any(p.startswith("Row 4, phase:") and "2030" in p for p in problems)
    assert any(p.startswith("Row 5, target_min:") for p in problems)
    assert any(p.startswith("Row 6, target_max:") for p in problems)
    assert any(p.startswith("Row 6, baseline_on:") for p in problems)
    assert any(p.startswith("Row 7:") and "row 2" in p for p in problems)


def test_phases_refuse_an_end_before_the_start_and_programmes_a_bad_slug():
    programme = builders.programme()
    header = ["programme", "name", "starts_on", "ends_on"]
    _result, problems = run(PhaseResource, csv_bytes(header, [[programme.slug, "A", "2016-01-01", "2015-01-01"]]))
    assert len(problems) == 1 and problems[0].startswith("Row 2, ends_on:")
    header = ["slug", "name", "starts_on", "ends_on"]
    _result, problems = run(ProgrammeResource, csv_bytes(header, [["a b", "X", "2016-01-01", "2020-01-01"]]))
    assert len(problems) == 1 and problems[0].startswith("Row 2, slug:")
    assert Phase.objects.count() == 0 and Programme.objects.count() == 1


def test_target_queries_do_not_grow_with_rows():
    phase = builders.phase(name="P")
    sectors = [builders.sector(f"S{n}").name for n in range(30)]
    header = ["programme", "phase", "indicator", "target_min", "deadline", "sector"]
    counts = []
    for names in (sectors[:3], sectors[3:]):
        rows = [[phase.programme.slug, "P", "awareness", "50", "2015-12-31", name] for name in names]
        with CaptureQueriesContext(connection) as context:
            _result, problems = run(TargetResource, csv_bytes(header, rows))
        assert problems == []
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1]
