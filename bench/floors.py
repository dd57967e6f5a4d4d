"""The floors: for each measurement, ONE hand-written PostgreSQL query over the raw
records (never a derived table such as the pathway) that computes the same
figures the product shows, and the checks that both agree.

A floor is what a single, reasonably written query costs on this data: the
product/floor ratio says how much the product adds (its other queries, Python,
templates) on top of the unavoidable counting. Definitions follow
docs/indicators.md: facilities in scope and open on D (opened_on ≤ D or
unknown, closed_on > D or none); aware when any contact (attendance of an
activity held ≤ D, survey, awareness record, solution, replication, hosting a
demonstration model) is dated ≤ D; applying with a solution ≤ D; a facility's
saving as of D is its largest measured saving among its solutions ≤ D;
specialist coverage counts units valid on D with a specialist in post on D.
"""

import datetime
from collections.abc import Sequence
from decimal import Decimal

from targets import arithmetic
from targets.models import Indicator

OPEN = (
    "f.in_scope AND (f.opened_on IS NULL OR f.opened_on <= %(day)s) AND (f.closed_on IS NULL OR f.closed_on > %(day)s)"
)

#: Every awareness contact as (facility_id, day), all dates (callers filter by day).
CONTACTS = """
    SELECT a.facility_id, o.held_on AS day
      FROM programmes_attendance a JOIN programmes_outreachactivity o ON o.id = a.activity_id
    UNION ALL SELECT facility_id, surveyed_on FROM programmes_survey
    UNION ALL SELECT facility_id, recorded_on FROM programmes_awarenessrecord
    UNION ALL SELECT facility_id, implemented_on FROM programmes_solution
    UNION ALL SELECT facility_id, replicated_on FROM programmes_replication
    UNION ALL SELECT host_id, started_on FROM programmes_demonstrationmodel
"""

#: Units valid on %(day)s, and those with a CP specialist in post that day.
UNITS = """
    SELECT count(*) AS units,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM programmes_specialist s
                WHERE s.unit_id = u.id AND s.appointed_on <= %(day)s AND (s.left_on IS NULL OR s.left_on > %(day)s)
           )) AS units_with_specialist
      FROM facilities_administrativeunit u
     WHERE u.valid_from <= %(day)s AND (u.valid_until IS NULL OR u.valid_until >= %(day)s)
"""


def thresholds(targets) -> list[Decimal]:
    """The qualifying savings the targets need counted (saving_min, or target_min for saving targets)."""
    found = set()
    for target in targets:
        if target.indicator == Indicator.APPLICATION_WITH_SAVING:
            found.add(target.saving_min if target.saving_min is not None else Decimal(0))
        elif target.indicator == Indicator.SAVING:
            found.add(target.target_min)
    return sorted(found)


def headline_sql(levels: Sequence[Decimal]) -> str:
    """The headline numbers on %(day)s, in one query: facilities, aware, applying, measured,
    reaching each saving level, saving quartiles, units and units with a specialist."""
    reaching = "".join(
        f",\n           count(*) FILTER (WHERE b.saving >= {float(level)!r}) AS reaching_{i}"
        for i, level in enumerate(levels)
    )
    return f"""
WITH f AS (SELECT f.id FROM facilities_facility f WHERE {OPEN}),
contact AS (
    SELECT a.facility_id FROM programmes_attendance a
      JOIN programmes_outreachactivity o ON o.id = a.activity_id WHERE o.held_on <= %(day)s
    UNION SELECT facility_id FROM programmes_survey WHERE surveyed_on <= %(day)s
    UNION SELECT facility_id FROM programmes_awarenessrecord WHERE recorded_on <= %(day)s
    UNION SELECT facility_id FROM programmes_solution WHERE implemented_on <= %(day)s
    UNION SELECT facility_id FROM programmes_replication WHERE replicated_on <= %(day)s
    UNION SELECT host_id FROM programmes_demonstrationmodel WHERE started_on <= %(day)s
),
best AS (
    SELECT s.facility_id, max(r.saving_percent) AS saving
      FROM programmes_solution s LEFT JOIN programmes_resourcesaving r ON r.solution_id = s.id
     WHERE s.implemented_on <= %(day)s
     GROUP BY s.facility_id
),
units AS ({UNITS})
SELECT count(*) AS facilities,
       count(c.facility_id) AS aware,
       count(b.facility_id) AS applying,
       count(b.saving) AS measured{reaching},
       percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY b.saving) AS quartiles,
       (SELECT units FROM units) AS units,
       (SELECT units_with_specialist FROM units) AS units_with_specialist
  FROM f
  LEFT JOIN contact c ON c.facility_id = f.id
  LEFT JOIN best b ON b.facility_id = f.id
"""


def series_sql(levels: Sequence[Decimal]) -> str:
    """The same numbers on each day of %(days)s (a date array), in one query: rows of
    (day, kind, count, median).

    Per facility, the day it starts counting for each kind (the latest of its
    opening and its first qualifying record) and the day it closes: a count on
    day D is the number of starts on or before D less the closings on or before
    D, from two histograms. Medians: each facility's best saving as a step
    function of the day (running maximum over its solutions), read on each day.
    """
    level_columns = "".join(
        f",\n           min(s.implemented_on) FILTER (WHERE r.saving_percent >= {float(level)!r}) AS reaching_{i}"
        for i, level in enumerate(levels)
    )
    level_values = "".join(f", ('reaching_{i}', sol.reaching_{i})" for i in range(len(levels)))
    return f"""
WITH days AS (SELECT unnest(%(days)s::date[]) AS day),
fac AS MATERIALIZED (
    SELECT id, COALESCE(opened_on, DATE '0001-01-01') AS op, COALESCE(closed_on, DATE '9999-12-31') AS cl
      FROM facilities_facility WHERE in_scope
),
contact AS (SELECT facility_id, min(day) AS first FROM ({CONTACTS}) c GROUP BY facility_id),
sol AS (
    SELECT s.facility_id, min(s.implemented_on) AS applying,
           min(s.implemented_on) FILTER (WHERE r.saving_percent IS NOT NULL) AS measured{level_columns}
      FROM programmes_solution s LEFT JOIN programmes_resourcesaving r ON r.solution_id = s.id
     GROUP BY s.facility_id
),
spans AS (
    SELECT 'aware' AS kind, GREATEST(fac.op, contact.first) AS starts, fac.cl AS ends
      FROM contact JOIN fac ON fac.id = contact.facility_id
    UNION ALL
    SELECT v.kind, GREATEST(fac.op, v.since), fac.cl
      FROM sol JOIN fac ON fac.id = sol.facility_id
     CROSS JOIN LATERAL (VALUES ('applying', sol.applying), ('measured', sol.measured){level_values}) AS v(kind, since)
     WHERE v.since IS NOT NULL
),
steps AS (
    SELECT 'facilities' AS kind, op AS day, count(*) AS delta FROM fac WHERE op < cl GROUP BY op
    UNION ALL
    SELECT 'facilities', cl, -count(*) FROM fac WHERE op < cl AND cl < DATE '9999-12-31' GROUP BY cl
    UNION ALL
    SELECT kind, mark, sum(delta)
      FROM spans CROSS JOIN LATERAL (VALUES (starts, 1), (ends, -1)) AS m(mark, delta)
     WHERE starts < ends AND mark < DATE '9999-12-31'
     GROUP BY kind, mark
),
daily AS (
    SELECT s.facility_id, s.implemented_on AS day, max(r.saving_percent) AS saving
      FROM programmes_solution s JOIN programmes_resourcesaving r ON r.solution_id = s.id
     WHERE r.saving_percent IS NOT NULL
     GROUP BY s.facility_id, s.implemented_on
),
best AS (
    SELECT facility_id, day AS starts,
           lead(day, 1, DATE '9999-12-31') OVER (PARTITION BY facility_id ORDER BY day) AS ends,
           max(saving) OVER (PARTITION BY facility_id ORDER BY day) AS saving
      FROM daily
),
measured AS (
    SELECT b.starts, b.ends, b.saving, fac.op, fac.cl FROM best b JOIN fac ON fac.id = b.facility_id
)
SELECT d.day, st.kind, sum(st.delta)::bigint AS n, NULL::float AS median
  FROM days d JOIN steps st ON st.day <= d.day GROUP BY d.day, st.kind
UNION ALL
SELECT d.day, 'median', NULL, percentile_cont(0.5) WITHIN GROUP (ORDER BY m.saving)
  FROM days d JOIN measured m ON m.starts <= d.day AND m.ends > d.day AND m.op <= d.day AND m.cl > d.day
 GROUP BY d.day
UNION ALL
SELECT d.day, v.kind, v.n, NULL
  FROM days d CROSS JOIN LATERAL (
      SELECT count(*) AS units,
             count(*) FILTER (WHERE EXISTS (
                 SELECT 1 FROM programmes_specialist s
                  WHERE s.unit_id = u.id AND s.appointed_on <= d.day AND (s.left_on IS NULL OR s.left_on > d.day)
             )) AS with_specialist
        FROM facilities_administrativeunit u
       WHERE u.valid_from <= d.day AND (u.valid_until IS NULL OR u.valid_until >= d.day)
  ) u CROSS JOIN LATERAL (VALUES ('units', u.units), ('units_with_specialist', u.with_specialist)) AS v(kind, n)
"""


#: The facility list filtered "aware" on %(day)s: its first %(per_page)s rows by code, as the
#: page shows them (with each facility's first contact and first solution), and the counts
#: above the list (all aware; how many of them apply).
AWARE_LIST_SQL = f"""
WITH contact AS (SELECT facility_id FROM ({CONTACTS}) c WHERE c.day <= %(day)s GROUP BY facility_id),
aware AS MATERIALIZED (
    SELECT f.id, f.code FROM facilities_facility f JOIN contact c ON c.facility_id = f.id WHERE {OPEN}
),
applying AS (SELECT DISTINCT facility_id FROM programmes_solution WHERE implemented_on <= %(day)s),
counts AS (
    SELECT count(*) AS aware, count(a.facility_id) AS applying
      FROM aware w LEFT JOIN applying a ON a.facility_id = w.id
),
page AS (SELECT id, code FROM aware ORDER BY code LIMIT %(per_page)s)
SELECT f.code, f.name, s.name AS sector, u.name AS unit, ar.name AS area, f.kind, f.employees,
       (SELECT min(c.day) FROM ({CONTACTS}) c WHERE c.facility_id = f.id) AS aware_since,
       (SELECT min(implemented_on) FROM programmes_solution WHERE facility_id = f.id) AS applying_since,
       counts.aware, counts.applying
  FROM page JOIN facilities_facility f ON f.id = page.id
  JOIN facilities_sector s ON s.id = f.sector_id
  JOIN facilities_administrativeunit u ON u.id = f.unit_id
  LEFT JOIN facilities_productionarea ar ON ar.id = f.area_id
 CROSS JOIN counts
 ORDER BY f.code
"""

#: Who to reach next on %(day)s: in-scope facilities open then with no contact by then, those of
#: the sectors, then the units, with the lowest awareness coverage first; the first page and the count.
REACH_NEXT_SQL = f"""
WITH contact AS (SELECT facility_id FROM ({CONTACTS}) c WHERE c.day <= %(day)s GROUP BY facility_id),
counted AS MATERIALIZED (
    SELECT f.id, f.code, f.sector_id, f.unit_id, c.facility_id IS NOT NULL AS aware
      FROM facilities_facility f LEFT JOIN contact c ON c.facility_id = f.id
     WHERE {OPEN}
),
by_sector AS (
    SELECT sector_id, count(*) FILTER (WHERE aware)::float * 100.0 / count(*)::float AS coverage
      FROM counted GROUP BY sector_id
),
by_unit AS (
    SELECT unit_id, count(*) FILTER (WHERE aware)::float * 100.0 / count(*)::float AS coverage
      FROM counted GROUP BY unit_id
),
page AS (
    SELECT c.id, c.code, bs.coverage AS sector_coverage, bu.coverage AS unit_coverage
      FROM counted c
      JOIN by_sector bs ON bs.sector_id = c.sector_id
      JOIN by_unit bu ON bu.unit_id = c.unit_id
     WHERE NOT c.aware
     ORDER BY bs.coverage, bu.coverage, c.code
     LIMIT %(per_page)s
)
SELECT f.code, f.name, s.name AS sector, u.name AS unit, ar.name AS area, f.kind, f.employees,
       p.sector_coverage, p.unit_coverage,
       (SELECT count(*) FROM counted WHERE NOT aware) AS never_reached
  FROM page p JOIN facilities_facility f ON f.id = p.id
  JOIN facilities_sector s ON s.id = f.sector_id
  JOIN facilities_administrativeunit u ON u.id = f.unit_id
  LEFT JOIN facilities_productionarea ar ON ar.id = f.area_id
 ORDER BY p.sector_coverage, p.unit_coverage, p.code
"""


# --- Running them -------------------------------------------------------------------------------


def fetch(sql: str, params: dict) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def headline(targets, day: datetime.date) -> dict:
    """The headline floor's numbers on ``day``: {"facilities", "aware", …, "reaching": {level: n}}."""
    levels = thresholds(targets)
    (row,) = fetch(headline_sql(levels), {"day": day})
    facilities, aware, applying, measured, *rest = row
    reaching, (quartiles, units, with_specialist) = rest[: len(levels)], rest[len(levels) :]
    return {
        "facilities": facilities,
        "aware": aware,
        "applying": applying,
        "measured": measured,
        "reaching": dict(zip(levels, reaching, strict=True)),
        "quartiles": tuple(quartiles) if quartiles else (None, None, None),
        "units": units,
        "units_with_specialist": with_specialist,
    }


def series(targets, days: Sequence[datetime.date]) -> dict[datetime.date, dict]:
    """The series floor: {day: {kind: count, "median": median}} (kinds as in series_sql())."""
    levels = thresholds(targets)
    found: dict[datetime.date, dict] = {day: {} for day in days}
    for day, kind, count, median in fetch(series_sql(levels), {"days": list(days)}):
        found[day][kind] = median if kind == "median" else int(count)
    for day in days:
        numbers = found[day]
        numbers["reaching"] = {level: numbers.pop(f"reaching_{i}", 0) for i, level in enumerate(levels)}
        for kind in ("facilities", "aware", "applying", "measured"):
            numbers.setdefault(kind, 0)
        numbers.setdefault("median", None)
    return found


def aware_list(day: datetime.date, per_page: int) -> list[tuple]:
    return fetch(AWARE_LIST_SQL, {"day": day, "per_page": per_page})


def reach_next(day: datetime.date, per_page: int) -> list[tuple]:
    return fetch(REACH_NEXT_SQL, {"day": day, "per_page": per_page})


# --- Checks -------------------------------------------------------------------------------------


def expected(target, numbers: dict) -> tuple[int, int, float | None] | None:
    """(numerator, denominator, value) the floor's ``numbers`` give for ``target``; None when the
    target is narrowed to a sector, unit or area type (the floors count the whole city)."""
    if target.sector_id or target.unit_scope_id or target.area_kind or target.resource:
        return None
    facilities = numbers["facilities"]
    if target.indicator == Indicator.SPECIALIST_COVERAGE:
        num, den = numbers["units_with_specialist"], numbers["units"]
    elif target.indicator == Indicator.AWARENESS:
        num, den = numbers["aware"], facilities
    elif target.indicator == Indicator.APPLICATION:
        num, den = numbers["applying"], facilities
    elif target.indicator == Indicator.APPLICATION_WITH_SAVING:
        level = target.saving_min if target.saving_min is not None else Decimal(0)
        num, den = numbers["reaching"][level], facilities
    else:  # saving: the median facility saving, facilities reaching target_min among those measured
        median = numbers["median"] if "median" in numbers else numbers["quartiles"][1]
        return numbers["reaching"][target.target_min], numbers["measured"], arithmetic.round1(median)
    return num, den, arithmetic.round1(arithmetic.percent(num, den))


def compare(label: str, target, numbers: dict, numerator: int, denominator: int, value) -> list[str]:
    """Differences between the product's figures for ``target`` and the floor's, as messages."""
    want = expected(target, numbers)
    if want is None:
        return []
    got = (numerator, denominator, value)
    same = want[:2] == got[:2] and (
        want[2] == got[2] or (want[2] is not None and got[2] is not None and abs(want[2] - got[2]) <= 0.05 + 1e-9)
    )
    if same:
        return []
    return [f"{label}: target {target.pk} ({target.indicator}) product {got} ≠ floor {want}"]
