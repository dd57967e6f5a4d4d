"""Evidence levels for savings (issue 13) in the figures: targets counting all or only
verified savings, the strength shown beside them, and the annual report's sentence."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from targets import annual_report, selectors
from targets.evidence import city_saving_evidence, saving_evidence
from targets.figures import SavingEvidence
from tests import builders as b

D = dt.date
END_2012, END_2013 = D(2012, 12, 31), D(2013, 12, 31)


@pytest.fixture
def evidence_world(db) -> SimpleNamespace:
    """Five facilities. A: implemented 2012-03-01, verified 2013-03-01, 10 % audited; B: 8 %
    measured; C: 6 % self-reported; D: only identified, 20 % (counts nowhere); E: 3 % estimated.
    Targets of the "to 2015" phase: applying with 5–8 % and the saving (any resource), each
    counting all savings and only verified ones."""
    sector, unit = b.sector("Gốm sứ"), b.unit("Gia Lâm")
    facilities = {name: b.facility(code=name, sector=sector, unit=unit) for name in "ABCDE"}
    for name, day, after, evidence, extra in (
        ("A", D(2012, 3, 1), 90, "audited", {"stage": "verified", "verified_on": D(2013, 3, 1)}),
        ("B", D(2012, 4, 1), 92, "measured", {}),
        ("C", D(2012, 5, 1), 94, "self_reported", {}),
        ("D", D(2012, 6, 1), 80, "measured", {"stage": "identified"}),
        ("E", D(2012, 7, 1), 97, "estimated", {}),
    ):
        b.solution(facilities[name], savings={"energy": (100, after)}, evidence=evidence, implemented_on=day, **extra)
    phase = b.phase(b.programme())
    common = {"deadline": D(2015, 12, 31), "baseline_on": D(2011, 1, 1), "baseline_value": 0}
    targets = {}
    for evidence in ("all", "verified"):
        targets[f"application_with_saving/{evidence}"] = b.target(
            phase,
            indicator="application_with_saving",
            target_min=25,
            saving_min=5,
            saving_max=8,
            evidence=evidence,
            **common,
        )
        targets[f"saving/{evidence}"] = b.target(
            phase, indicator="saving", target_min=5, target_max=8, evidence=evidence, **common
        )
    targets["application"] = b.target(phase, indicator="application", target_min=25, **common)
    return SimpleNamespace(facilities=facilities, targets=targets, phase=phase, sector=sector)


def _results(world, as_of) -> dict[str, object]:
    names = {target.pk: name for name, target in world.targets.items()}
    targets = list(selectors.programme_targets(world.phase.programme))
    return {names[r.target_id]: r for r in selectors.targets_as_of(targets=targets, as_of=as_of)}


def test_an_identified_solution_does_not_count_as_applying(evidence_world):
    application = _results(evidence_world, END_2013)["application"]
    assert (application.numerator, application.denominator) == (4, 5)  # A, B, C, E: not D


def test_verified_only_targets_count_fewer_than_all_and_only_from_the_day_of_verification(evidence_world):
    results = _results(evidence_world, END_2013)
    every, verified = results["application_with_saving/all"], results["application_with_saving/verified"]
    assert (every.numerator, every.value) == (3, 60.0)  # A, B, C reach 5 %
    assert (verified.numerator, verified.value) == (1, 20.0)  # A alone is verified
    saving, saving_verified = results["saving/all"], results["saving/verified"]
    assert (saving.numerator, saving.denominator, saving.value) == (3, 4, 7.0)  # median of 3, 6, 8, 10
    assert (saving_verified.numerator, saving_verified.denominator, saving_verified.value) == (1, 1, 10.0)
    # At the end of 2012 nothing had been verified yet; all savings already counted.
    before = _results(evidence_world, END_2012)
    assert before["application_with_saving/all"].numerator == 3
    assert before["application_with_saving/verified"].numerator == 0
    assert before["saving/verified"].value is None


def test_series_breakdowns_and_the_facilities_behind_read_the_verified_savings(evidence_world):
    target = evidence_world.targets["application_with_saving/verified"]
    points = selectors.indicator_series(target=target, as_of=END_2013, freq="year")
    assert [(p.day, p.numerator) for p in points][-2:] == [(END_2012, 0), (END_2013, 1)]
    rows = selectors.breakdowns_as_of(targets=[target], as_of=END_2013, by="sector")[target.pk]
    assert [(r.numerator, r.denominator) for r in rows] == [(1, 5)]
    behind = selectors.records_behind(target=target, as_of=END_2013)
    assert [(f.code, f.since, f.saving) for f in behind] == [("A", D(2013, 3, 1), 10)]
    every = selectors.records_behind(target=evidence_world.targets["application_with_saving/all"], as_of=END_2013)
    assert [f.code for f in every] == ["A", "B", "C"]


def test_the_strength_beside_each_saving_figure(evidence_world, django_assert_num_queries):
    targets = list(evidence_world.targets.values())
    with django_assert_num_queries(1):
        found = saving_evidence(targets=targets, as_of=END_2013)
    t = evidence_world.targets
    assert t["application"].pk not in found
    assert found[t["application_with_saving/all"].pk] == SavingEvidence(
        verified_only=False, counted=3, verified=1, self_reported=1, estimated=0, measured=1, audited=1
    )
    assert found[t["application_with_saving/verified"].pk] == SavingEvidence(
        verified_only=True, counted=1, verified=1, self_reported=0, estimated=0, measured=0, audited=1
    )
    # A saving target counts every facility with a saving (its denominator): E's 3 % too.
    assert found[t["saving/all"].pk] == SavingEvidence(
        verified_only=False, counted=4, verified=1, self_reported=1, estimated=1, measured=1, audited=1
    )
    assert found[t["saving/all"].pk].counted == _results(evidence_world, END_2013)["saving/all"].denominator
    assert saving_evidence(targets=[t["application"]], as_of=END_2013) == {}


def test_the_dashboard_shows_the_strength_beside_the_savings(manager_client, evidence_world):
    response = manager_client.get(
        reverse("targets:dashboard"), {"phase": evidence_world.phase.pk, "as_of": END_2013.isoformat()}
    )
    content = response.content.decode()
    assert "1 of 3 verified; 1 audited, 1 measured, 0 estimated, 1 self-reported" in content
    assert "Savings counted (verified only)" in content
    cards = [c for c in response.context["cards"] if c.result.indicator == "application"]
    assert cards[0].saving_evidence is None


# --- The annual report --------------------------------------------------------------------------


def test_the_report_says_how_many_of_its_savings_are_verified(evidence_world):
    assert city_saving_evidence(as_of=END_2013) == SavingEvidence(
        verified_only=False, counted=4, verified=1, self_reported=1, estimated=1, measured=1, audited=1
    )
    report = annual_report.annual_report(year=2013, today=D(2014, 6, 1))
    assert (
        "Of the 4 facilities with a saving per unit of product by 31 December 2013, 1 has a saving verified "
        "after a period; by the evidence of their best saving: 1 audited, 1 measured against metered data or "
        "invoices, 1 estimated by an engineer and 1 self-reported."
    ) in report.narrative


def test_the_verified_sentence_in_both_languages():
    evidence = SavingEvidence(
        verified_only=False, counted=1200, verified=3, self_reported=1100, estimated=0, measured=90, audited=10
    )
    with translation.override("en"):
        assert annual_report.verified_savings_sentence(END_2013, evidence) == (
            "Of the 1,200 facilities with a saving per unit of product by 31 December 2013, 3 have a saving "
            "verified after a period; by the evidence of their best saving: 10 audited, 90 measured against "
            "metered data or invoices and 1,100 self-reported."
        )
    with translation.override("vi"):
        sentence = annual_report.verified_savings_sentence(END_2013, evidence)
    assert sentence == (
        "Trong số 1.200 cơ sở có mức tiết kiệm trên một đơn vị sản phẩm đến 31/12/2013, 3 cơ sở có mức tiết "
        "kiệm đã kiểm chứng sau một thời gian; theo bằng chứng của mức tiết kiệm cao nhất: 10 đã kiểm toán, "
        "90 đo đạc theo số liệu công tơ hoặc hóa đơn và 1.100 do cơ sở tự báo cáo."
    )
    none = SavingEvidence(False, 0, 0, 0, 0, 0, 0)
    assert annual_report.verified_savings_sentence(END_2013, none) == ""


# --- Admins set which savings a target counts ---------------------------------------------------


def test_admins_set_which_savings_a_target_counts_in_the_admin_and_the_import(admin_client, evidence_world):
    target = evidence_world.targets["saving/verified"]
    page = admin_client.get(reverse("admin:targets_target_change", args=[target.pk])).content.decode()
    assert 'name="evidence"' in page and 'value="verified" selected' in page
    assert "verified savings only" in target.scope_label()

    from targets.resources import TargetResource
    from tests.targets.test_resources import csv_bytes, run

    phase = evidence_world.phase
    header = ["programme", "phase", "indicator", "target_min", "deadline", "saving_min", "bằng chứng"]
    row = [phase.programme.slug, phase.name, "application_with_saving", "30", "2015-12-31", "5"]
    _result, problems = run(TargetResource, csv_bytes(header, [[*row, "Đã kiểm chứng"]]))
    assert problems == []
    # The key includes evidence: the verified-only target is updated, the other left alone.
    assert phase.targets.get(pk=evidence_world.targets["application_with_saving/verified"].pk).target_min == 30
    assert phase.targets.get(pk=evidence_world.targets["application_with_saving/all"].pk).target_min == 25
    # A file without the column names the target counting all savings.
    _result, problems = run(TargetResource, csv_bytes(header[:-1], [row]))
    assert problems == []
    assert phase.targets.get(pk=evidence_world.targets["application_with_saving/all"].pk).target_min == 30
    assert phase.targets.count() == 5
    _result, problems = run(TargetResource, csv_bytes(header, [[*row, "rumours"]]))
    assert problems and "use all or verified" in problems[0]
