"""A deletion undone (cpdash.history.delete and restore): the record comes back as it was with
the rows deleted with it and the links its deletion cleared, and nothing else; the pathway
follows in the same transaction; a deletion that can no longer be undone says why and
writes nothing."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cpdash import history
from programmes import pathway
from programmes.models import Attendance, CPOption, OutreachActivity, Solution, Survey, TechnicalSupport
from tests import builders as b
from tests.programmes.test_pathway import snapshot

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def surveyed():
    """A survey with two options and a support, and a solution that followed it."""
    survey = b.survey(surveyed_on=D(2013, 4, 2), findings="first visit")
    CPOption.objects.create(survey=survey, category="good_housekeeping", description="Fix the leaks")
    CPOption.objects.create(survey=survey, category="input_change", description="Coal to gas")
    TechnicalSupport.objects.create(survey=survey, kind="technique", given_on=D(2013, 5, 1))
    solution = b.solution(survey.facility, survey=survey, implemented_on=D(2013, 9, 1))
    return survey, solution


def _rows(survey_pk: int) -> tuple:
    options = list(CPOption.objects.filter(survey_id=survey_pk).order_by("pk").values())
    supports = list(TechnicalSupport.objects.filter(survey_id=survey_pk).order_by("pk").values())
    return list(Survey.objects.filter(pk=survey_pk).values()), options, supports


def test_a_deletion_stamps_the_record_and_what_goes_with_it_with_one_moment(surveyed):
    survey, solution = surveyed
    moment = history.delete(survey)

    assert not Survey.objects.filter(pk=survey.pk).exists()
    assert not CPOption.objects.filter(survey_id=survey.pk).exists()
    assert Solution.objects.get(pk=solution.pk).survey_id is None
    stamped = [
        *Survey.history.filter(history_date=moment).values_list("history_type", flat=True),
        *CPOption.history.filter(history_date=moment).values_list("history_type", flat=True),
        *TechnicalSupport.history.filter(history_date=moment).values_list("history_type", flat=True),
        *Solution.history.filter(history_date=moment).values_list("history_type", flat=True),
    ]
    assert sorted(stamped) == ["-", "-", "-", "-", "~"]  # the survey, 2 options, 1 support; the solution unlinked


def test_restore_brings_back_the_record_its_rows_and_its_links_and_the_pathway(surveyed):
    survey, solution = surveyed
    pk, before, pathway_before = survey.pk, _rows(survey.pk), snapshot()
    moment = history.delete(survey)
    assert snapshot() != pathway_before  # the facility is no longer surveyed

    restored = history.restore(Survey, pk, moment)

    assert restored.pk == pk
    assert _rows(pk) == before
    assert Solution.objects.get(pk=solution.pk).survey_id == pk
    assert snapshot() == pathway_before
    assert Survey.history.filter(id=pk).latest("history_id").history_type == "+"


def test_rows_deleted_before_the_record_stay_deleted(surveyed):
    survey, _solution = surveyed
    pk = survey.pk
    survey.options.get(description="Coal to gas").delete()  # removed in an earlier edit, its own moment
    moment = history.delete(survey)

    history.restore(Survey, pk, moment)

    assert list(CPOption.objects.filter(survey_id=pk).values_list("description", flat=True)) == ["Fix the leaks"]


def test_a_link_set_again_since_is_left_as_it_is(surveyed):
    survey, solution = surveyed
    pk = survey.pk
    moment = history.delete(survey)
    other = b.survey(survey.facility, surveyed_on=D(2013, 6, 1))
    Solution.objects.filter(pk=solution.pk).update(survey=other)

    history.restore(Survey, pk, moment)

    assert Solution.objects.get(pk=solution.pk).survey_id == other.pk


def test_an_activity_comes_back_with_its_attendance():
    facilities = [b.facility() for _ in range(3)]
    activity = b.activity(facilities, held_on=D(2014, 3, 3))
    pk, pathway_before = activity.pk, snapshot()
    with pathway.deferred():
        moment = history.delete(activity)
    assert not Attendance.objects.filter(activity_id=pk).exists()

    with pathway.deferred():
        history.restore(OutreachActivity, pk, moment)

    attended = set(Attendance.objects.filter(activity_id=pk).values_list("facility_id", flat=True))
    assert attended == {f.pk for f in facilities}
    assert snapshot() == pathway_before


def test_a_link_written_in_bulk_without_history_comes_back_too(surveyed):
    survey, _solution = surveyed
    pk = survey.pk
    [bulk] = Solution.objects.bulk_create(
        [Solution(facility=survey.facility, survey=survey, implemented_on=D(2014, 1, 1), category="good_housekeeping")]
    )
    assert not Solution.history.filter(id=bulk.pk).exists()  # an import's or the demo's row
    moment = history.delete(survey)

    history.restore(Survey, pk, moment)

    assert Solution.objects.get(pk=bulk.pk).survey_id == pk


def test_a_row_deleted_with_its_record_is_restored_with_it_not_alone(surveyed):
    survey, _solution = surveyed
    pk, option = survey.pk, survey.options.first().pk
    moment = history.delete(survey)

    with pytest.raises(history.NotRestored, match=f"CP survey #{pk}, which is still deleted") as refused:
        history.restore(CPOption, option, moment)

    assert refused.value.code == "parent"
    assert not CPOption.objects.filter(pk=option).exists()


def test_a_deletion_is_undone_once(surveyed):
    survey, _solution = surveyed
    pk = survey.pk
    moment = history.delete(survey)
    history.restore(Survey, pk, moment)

    with pytest.raises(history.NotRestored, match="already undone"):
        history.restore(Survey, pk, moment)
    with pytest.raises(history.NotRestored, match="no such deletion"):
        history.restore(Survey, pk, moment + dt.timedelta(seconds=1))


def test_an_old_undo_after_the_record_came_back_changed_and_went_again_brings_nothing_back(surveyed):
    """Undo, edit, delete again: the first deletion's Undo (Back to its message) would bring
    back the version before the edit."""
    survey, _solution = surveyed
    pk = survey.pk
    first = history.delete(survey)
    survey = history.restore(Survey, pk, first)
    survey.findings = "second visit"
    survey.save()
    CPOption.objects.filter(survey_id=pk, category="input_change").delete()
    second = history.delete(Survey.objects.get(pk=pk))

    with pytest.raises(history.NotRestored, match="already undone") as refused:
        history.restore(Survey, pk, first)

    assert refused.value.code == "restored"
    assert not Survey.objects.filter(pk=pk).exists() and not CPOption.objects.filter(survey_id=pk).exists()
    history.restore(Survey, pk, second)  # the last deletion is undone: the edited version
    assert Survey.objects.get(pk=pk).findings == "second visit"
    assert list(CPOption.objects.filter(survey_id=pk).values_list("category", flat=True)) == ["good_housekeeping"]


def test_a_record_stored_since_with_the_same_key_stops_the_restore_and_nothing_is_written(surveyed):
    survey, solution = surveyed
    pk = survey.pk
    moment = history.delete(survey)
    again = Survey.objects.create(facility=survey.facility, surveyed_on=survey.surveyed_on)

    with transaction.atomic(), pytest.raises(history.NotRestored) as refused:
        history.restore(Survey, pk, moment)

    assert "survey" in str(refused.value).lower()  # the model's own message for its key
    assert list(Survey.objects.values_list("pk", flat=True)) == [again.pk]
    assert not CPOption.objects.filter(survey_id=pk).exists()
    assert Solution.objects.get(pk=solution.pk).survey_id is None


def test_what_goes_with_a_record_is_counted_before_it_is_deleted(surveyed):
    survey, _solution = surveyed

    deleted, unlinked = history.what_goes_with(survey)

    assert deleted == {CPOption: 2, TechnicalSupport: 1}
    assert unlinked == {Solution: 1}


def _queries_to_restore_an_activity(attending: int) -> int:
    activity = b.activity([b.facility() for _ in range(attending)], held_on=D(2014, 3, 3))
    pk = activity.pk
    with pathway.deferred():
        moment = history.delete(activity)
    with CaptureQueriesContext(connection) as queries, pathway.deferred():
        history.restore(OutreachActivity, pk, moment)
    assert Attendance.objects.filter(activity_id=pk).count() == attending
    return len(queries)


def test_the_rows_taken_with_a_record_are_written_again_at_once_not_one_by_one():
    assert _queries_to_restore_an_activity(3) == _queries_to_restore_an_activity(40)
