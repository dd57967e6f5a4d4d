"""One row of any model registered in the admin, each with parents of its own,
so that a changelist of N rows also shows N different related objects (a
per-row query would show up as N extra queries)."""

import datetime as dt
import itertools
from collections.abc import Callable

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone

from facilities.models import RegisterVersion
from jobs.models import Job
from programmes.models import (
    Attendance,
    AwarenessRecord,
    CPOption,
    Phase,
    Programme,
    ResourceSaving,
    TechnicalSupport,
)
from targets.models import DigestSent, Letterhead, ReportEdition
from tests import builders

_seq = itertools.count(1)


def _programme() -> Programme:
    n = next(_seq)
    return builders.programme(slug=f"cp-{n}", name=f"CP programme {n}")


def _targets_phase() -> Phase:
    """Targets share their phase, as they do in real data (a handful of
    indicators per phase); the cost of many phases is tested on its own."""
    return Phase.objects.filter(name="targets").first() or builders.phase(_programme(), name="targets")


def _survey():
    return builders.survey(builders.facility(area=builders.area()))


def _job() -> Job:
    """A finished job with a result file, started by no one in particular."""
    job = Job.objects.create(kind="facilities.import", title="Facility list: list.csv", status=Job.Status.FAILED)
    job.result.save("list-problems.csv", ContentFile(b"code,problems\r\n"), save=True)
    return job


BUILD: dict[str, Callable[[], models.Model]] = {
    "auth.group": lambda: Group.objects.create(name=f"Group {next(_seq)}"),
    "auth.user": lambda: User.objects.create_user(f"user{next(_seq)}"),
    "facilities.administrativeunit": builders.unit,
    "facilities.sector": builders.sector,
    "facilities.productionarea": builders.area,
    "facilities.facility": lambda: builders.facility(area=builders.area()),
    "facilities.registerversion": lambda: RegisterVersion.begin(user=None, file_name="list.csv"),
    "programmes.programme": _programme,
    "programmes.phase": lambda: builders.phase(_programme()),
    "programmes.specialist": builders.specialist,
    "programmes.outreachactivity": lambda: builders.activity(unit=builders.unit(), organiser="Sở Công Thương"),
    "programmes.attendance": lambda: Attendance.objects.create(
        activity=builders.activity(), facility=builders.facility(), people=2
    ),
    "programmes.awarenessrecord": lambda: AwarenessRecord.objects.create(
        facility=builders.facility(), recorded_on=dt.date(2013, 5, 1), source="questionnaire"
    ),
    "programmes.survey": _survey,
    "programmes.cpoption": lambda: CPOption.objects.create(
        survey=_survey(), category="good_housekeeping", description="Fix leaks"
    ),
    "programmes.technicalsupport": lambda: TechnicalSupport.objects.create(
        survey=_survey(), kind="technique", given_on=dt.date(2012, 7, 1)
    ),
    "programmes.solution": lambda: builders.solution(investment=1000, savings={"energy": (100, 94)}),
    "programmes.resourcesaving": lambda: ResourceSaving.objects.filter(
        solution=builders.solution(savings={"energy": (100, 94)})
    ).get(),
    "programmes.demonstrationmodel": builders.demonstration,
    "programmes.replication": lambda: builders.demonstration(replicated_at=[builders.facility()]).replications.get(),
    "jobs.job": _job,
    # An edition of a year no sample programme reaches: the report pages never read its placeholder content.
    "targets.reportedition": lambda: ReportEdition.objects.create(
        year=1999,
        number=next(_seq),
        as_of=dt.date(2013, 12, 31),
        published_at=timezone.now(),
        published_by=User.objects.create_user(f"publisher{next(_seq)}"),
        payload="{}",
        xlsx_vi=b"",
        xlsx_en=b"",
    ),
    "targets.digestsent": lambda: DigestSent.objects.create(
        user=User.objects.create_user(f"manager{next(_seq)}"), month=dt.date(2026, 11, 1), language="vi"
    ),
    # The one letterhead, saved (before, the report reads its defaults).
    "targets.letterhead": lambda: Letterhead.objects.update_or_create(
        pk=Letterhead.SINGLETON, defaults={"name_vi": "Sở Công Thương"}
    )[0],
    "targets.target": lambda: builders.target(
        _targets_phase(),
        target_max=70,
        baseline_value=10,
        baseline_on=dt.date(2011, 1, 1),
        sector=builders.sector(),
        unit_scope=builders.unit(),
    ),
}


def build(model: type[models.Model]) -> models.Model:
    """A new saved row of ``model``; fails clearly when no builder is known."""
    label = model._meta.label_lower
    if label not in BUILD:
        pytest.fail(f"No builder for {label}: add one to BUILD in tests/cpdash/conftest.py")
    obj = BUILD[label]()
    assert isinstance(obj, model)
    return obj


@pytest.fixture
def one_of_everything(db) -> dict[str, models.Model]:
    """One saved row per model label in BUILD."""
    return {label: build(apps.get_model(label)) for label in BUILD}
