"""Hand-computed worlds for the indicators engine.

``hanoi_units``: Hanoi's 29 units of 2008–2013 and the 30 of 2014 (Từ Liêm
split into Bắc Từ Liêm and Nam Từ Liêm on 2014-01-01).

``interview_year``: the year the interview reports, as of 2012-12-31 — 100
in-scope open facilities, 15 aware (15 %), 6 applying (6 %) with energy
savings of 5–8 %, 10 of 29 People's Committees with a specialist — plus the
edge cases around it (a facility opened after the date, one closed before it,
one closed on it, one out of scope). Every figure the tests expect is worked
out in the fixture's comments.
"""

import datetime as dt
from types import SimpleNamespace

import pytest

from facilities.models import AdministrativeUnit, Facility, ProductionArea
from programmes.models import AwarenessRecord, OutreachActivity, TechnicalSupport
from tests import builders as b
from tests.programmes.conftest import grant

D = dt.date
AS_OF = D(2012, 12, 31)

URBAN = [
    "Ba Đình",
    "Hoàn Kiếm",
    "Hai Bà Trưng",
    "Đống Đa",
    "Tây Hồ",
    "Cầu Giấy",
    "Thanh Xuân",
    "Hoàng Mai",
    "Long Biên",
    "Hà Đông",
]
RURAL = [
    "Ba Vì",
    "Chương Mỹ",
    "Đan Phượng",
    "Đông Anh",
    "Gia Lâm",
    "Hoài Đức",
    "Mê Linh",
    "Mỹ Đức",
    "Phú Xuyên",
    "Phúc Thọ",
    "Quốc Oai",
    "Sóc Sơn",
    "Thạch Thất",
    "Thanh Oai",
    "Thanh Trì",
    "Thường Tín",
    "Ứng Hòa",
]


@pytest.fixture
def hanoi_units(db) -> dict[str, AdministrativeUnit]:
    """29 units valid to the end of 2013, 30 from 2014 (Từ Liêm → Bắc Từ Liêm + Nam Từ Liêm)."""
    kinds = AdministrativeUnit.Kind
    units = {name: b.unit(name, kind=kinds.URBAN_DISTRICT) for name in URBAN}
    units["Sơn Tây"] = b.unit("Sơn Tây", kind=kinds.TOWN)
    units.update({name: b.unit(name, kind=kinds.RURAL_DISTRICT) for name in RURAL})
    units["Từ Liêm"] = b.unit("Từ Liêm", valid_until=D(2013, 12, 31))
    for name in ("Bắc Từ Liêm", "Nam Từ Liêm"):
        units[name] = b.unit(name, kind=kinds.URBAN_DISTRICT, valid_from=D(2014, 1, 1))
    return units


def make_targets(phase, **overrides) -> dict[str, object]:
    """The Hanoi "to 2015" targets, baseline 0 % on 2011-01-01, deadline 2015-12-31."""
    common = {"deadline": D(2015, 12, 31), "baseline_on": D(2011, 1, 1), "baseline_value": 0, **overrides}
    return {
        "awareness": b.target(phase, indicator="awareness", target_min=50, **common),
        "application": b.target(phase, indicator="application", target_min=25, **common),
        "application_with_saving": b.target(
            phase, indicator="application_with_saving", target_min=25, saving_min=5, saving_max=8, **common
        ),
        "saving": b.target(phase, indicator="saving", target_min=5, target_max=8, resource="energy", **common),
        "specialist_coverage": b.target(phase, indicator="specialist_coverage", target_min=70, **common),
    }


@pytest.fixture
def interview_year(hanoi_units) -> SimpleNamespace:
    """As of 2012-12-31. Facility i (F000–F099) is in sector i % 4, in Gia Lâm;
    F000–F009 in Kim Lan craft village, F010–F019 in Quang Minh industrial zone,
    the rest in no area; F009, F019, … F099 are craft households.

    Awareness (15): F000–F004 at a 2011 workshop (so 5 aware a year earlier),
    F000–F009 at a 2012 symposium (F000–F004 reached twice, counted once),
    F010–F011 surveyed, F012 an awareness record, F013 leaflets addressed to it,
    F014 replicated the demonstration model hosted by F000.
    Application (6): solutions in 2012 at F000 (energy 5.0 %), F001 (5.5),
    F002 (6.0), F005 (7.0, and 4.0 from a second solution), F010 (6.5),
    F014 (8.0); F003's solution is in 2013, after the date.
    Specialists in 10 of the 29 units (Từ Liêm among them); Ba Vì's left on
    2012-12-31, so is not in post that day.
    Edge facilities (Gia Lâm, sector 0): ``opened_after`` (opens 2013-03-01,
    reached 2013-04-01), ``closed_before`` (closed 2012-06-01, at the 2011
    workshop), ``closed_on`` (closes on 2012-12-31 itself, never reached),
    ``out_of_scope`` (at the 2011 workshop).
    """
    sectors = [b.sector(name) for name in ("Cơ khí", "Dệt may", "Chế biến thực phẩm", "Gốm sứ")]
    gia_lam = hanoi_units["Gia Lâm"]
    kim_lan = b.area("Kim Lan", kind=ProductionArea.Kind.CRAFT_VILLAGE, unit=gia_lam)
    quang_minh = b.area("Quang Minh", kind=ProductionArea.Kind.INDUSTRIAL_ZONE, unit=hanoi_units["Mê Linh"])
    facilities = []
    for i in range(100):
        facilities.append(
            b.facility(
                code=f"F{i:03d}",
                name=f"Cơ sở {i:03d}",
                sector=sectors[i % 4],
                unit=gia_lam,
                area=kim_lan if i < 10 else quang_minh if i < 20 else None,
                kind=Facility.Kind.HOUSEHOLD if i % 10 == 9 else Facility.Kind.ENTERPRISE,
            )
        )
    f = facilities
    edge = {"unit": gia_lam, "sector": sectors[0]}
    opened_after = b.facility(code="X1", name="Opened after", opened_on=D(2013, 3, 1), **edge)
    closed_before = b.facility(code="X2", name="Closed before", closed_on=D(2012, 6, 1), **edge)
    closed_on = b.facility(code="X3", name="Closed on the day", closed_on=AS_OF, **edge)
    out_of_scope = b.facility(code="X4", name="Out of scope", in_scope=False, **edge)

    kinds = OutreachActivity.Kind
    b.activity([*f[0:5], closed_before, out_of_scope], kind=kinds.WORKSHOP, held_on=D(2011, 6, 1), participants=40)
    b.activity(f[0:10], kind=kinds.SYMPOSIUM, held_on=D(2012, 4, 10), participants=120)
    b.activity(kind=kinds.SYMPOSIUM, held_on=D(2012, 6, 15), participants=100)
    b.activity(kind=kinds.SYMPOSIUM, held_on=D(2012, 10, 1), participants=90)
    b.activity(kind=kinds.WORKSHOP, held_on=D(2012, 5, 20), participants=650)
    b.activity([f[13]], kind=kinds.LEAFLETS, held_on=D(2012, 8, 1), quantity=5000)
    for month in (4, 8, 12):
        b.activity(kind=kinds.RESULTS_REPORT, held_on=D(2012, month, 20))
    b.activity([opened_after], held_on=D(2013, 4, 1))
    surveyed = b.survey(f[10], surveyed_on=D(2012, 5, 1))
    b.survey(f[11], surveyed_on=D(2012, 5, 1))
    for kind in (TechnicalSupport.Kind.TECHNIQUE, TechnicalSupport.Kind.TECHNOLOGY):
        TechnicalSupport.objects.create(survey=surveyed, kind=kind, given_on=D(2012, 6, 1))
    AwarenessRecord.objects.create(facility=f[12], recorded_on=D(2012, 7, 1), source="questionnaire")
    # Replicated 90 days after it started: 2012-05-30.
    b.demonstration(host=f[0], replicated_at=[f[14]], started_on=D(2012, 3, 1))
    for index, after in ((0, 95), (1, 94.5), (2, 94), (5, 93), (10, 93.5), (14, 92)):
        b.solution(f[index], savings={"energy": (100, after)})
    b.solution(f[5], savings={"energy": (100, 96)}, description="Second solution")
    b.solution(f[3], savings={"energy": (100, 90)}, implemented_on=D(2013, 2, 1))

    with_specialist = ["Từ Liêm", *URBAN[:9]]
    for name in with_specialist:
        b.specialist(hanoi_units[name], appointed_on=D(2012, 1, 1))
    b.specialist(hanoi_units["Ba Vì"], appointed_on=D(2012, 1, 1), left_on=AS_OF)

    programme = b.programme()
    phase = b.phase(programme)
    return SimpleNamespace(
        as_of=AS_OF,
        programme=programme,
        phase=phase,
        targets=make_targets(phase),
        facilities=facilities,
        sectors=sectors,
        units=hanoi_units,
        areas={"kim_lan": kim_lan, "quang_minh": quang_minh},
        opened_after=opened_after,
        closed_before=closed_before,
        closed_on=closed_on,
        out_of_scope=out_of_scope,
    )


def small_world(n: int) -> SimpleNamespace:
    """n in-scope facilities, each reached, applying with a saving, and a unit with a
    specialist: to show that query counts do not grow with the data."""
    programme = b.programme()
    phase = b.phase(programme)
    targets = make_targets(phase)
    sector = b.sector()
    facilities = []
    for i in range(n):
        unit = b.unit()
        facility = b.facility(sector=sector, unit=unit)
        b.activity([facility], held_on=D(2012, 1 + i % 12, 1))
        b.survey(facility, surveyed_on=D(2012, 2, 1))
        b.solution(facility, savings={"energy": (100, 100 - i % 9), "fuel": (50, 45)})
        b.specialist(unit)
        facilities.append(facility)
    return SimpleNamespace(programme=programme, phase=phase, targets=targets, facilities=facilities)


@pytest.fixture
def manager(manager_user):
    """A signed-in manager's permission: the dashboard and the reports."""
    return grant(manager_user, "targets.view_target")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client
