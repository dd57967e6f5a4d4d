"""targets.editions: the report as JSON and back, the records kept, publishing on one snapshot."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from targets import annual_report, editions
from targets.figures import BreakdownRow, SavingStats
from targets.models import EditionRecord, ReportEdition

YEAR = 2013


def test_the_report_comes_back_from_json_as_it_was(interview_year):
    report = annual_report.annual_report(year=YEAR)
    assert editions.loads(editions.dumps({"en": report}), "en") == report


def test_dates_decimals_and_exact_floats_keep_their_types():
    stats = SavingStats("energy", 2, 6.300000000000002, Decimal("6.35"), None, 5.0, 1, 50.0)
    row = BreakdownRow(None, "All sectors", 221, 2461, 9.0)
    payload = editions.dumps({"en": {"stats": stats, "row": row, "day": dt.date(2013, 12, 31)}})
    back = editions.loads(payload, "en")
    assert back == {"stats": stats, "row": row, "day": dt.date(2013, 12, 31)}
    assert isinstance(back["stats"].median, Decimal)
    assert back["stats"].q1 == 6.300000000000002


def test_a_language_the_edition_lacks_falls_back_to_the_sites(settings):
    payload = editions.dumps({settings.LANGUAGE_CODE: {"said": "xin chào"}})
    assert editions.loads(payload, "fr") == {"said": "xin chào"}


def test_the_kept_records_are_those_the_report_counts(interview_year, manager_user):
    edition = editions.publish(year=YEAR, user=manager_user)
    report = editions.edition_report(edition, "en")
    kept = EditionRecord.objects.filter(edition=edition)
    total = report.newly_aware_total
    assert kept.filter(figure="newly_aware/numerator").count() == total.numerator == 1
    assert kept.filter(figure="newly_aware/denominator").count() == total.denominator == 101
    for result in report.targets:
        assert kept.filter(figure=f"target/{result.target_id}/numerator").count() == result.numerator
        assert kept.filter(figure=f"target/{result.target_id}/denominator").count() == result.denominator


def test_each_language_is_rendered_at_publish_time(interview_year, manager_user):
    edition = editions.publish(year=YEAR, user=manager_user)
    with translation.override("vi"):
        live_vi = annual_report.annual_report(year=YEAR)
    assert editions.edition_report(edition, "vi").sentences == live_vi.sentences
    assert editions.edition_report(edition, "en").sentences != live_vi.sentences
    assert editions.edition_xlsx(edition, "vi")[:2] == b"PK" and editions.edition_xlsx(edition, "en")[:2] == b"PK"


def test_nothing_differs_right_after_publishing(interview_year, manager_user):
    edition = editions.publish(year=YEAR, user=manager_user)
    published = editions.edition_report(edition, "en")
    live = annual_report.annual_report(year=YEAR)
    assert not editions.differs(published, live)
    changes = editions.compare(edition, published, live)
    assert not any(row.changed for row in changes["figures"])
    assert changes["sentences"] == []
    assert all(not (r.entered_count or r.left_count) for r in changes["records"])


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_reads_one_snapshot(interview_year, manager_user):
    # With no transaction open, publish() opens its own (REPEATABLE READ on PostgreSQL).
    first = editions.publish(year=YEAR, user=manager_user)
    second = editions.publish(year=YEAR, user=manager_user)
    assert (first.number, second.number) == (1, 2)
    assert ReportEdition.objects.get(pk=second.pk).payload == ReportEdition.objects.get(pk=first.pk).payload
