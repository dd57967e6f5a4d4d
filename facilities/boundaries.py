"""The import of units' boundaries for the map: a GeoJSON FeatureCollection whose features
name their unit by its official (GSO) code, checked whole before anything is written
(docs/import.md, "Unit boundaries (GeoJSON)").

The app ships no shapes: a department imports the ones it has the right to use.
"""

import dataclasses
import json
import math

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from facilities.models import AdministrativeUnit, UnitBoundary

#: Geometry types a boundary can have.
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
#: Properties of a feature that may hold the unit's official code, in the order tried; then the feature's ``id``.
CODE_PROPERTIES = ("code", "ma", "ma_don_vi", "gso_code")
#: Problems listed at most (the file is refused at the first one anyway; more would flood the page).
MAX_PROBLEMS = 50


def max_file_size() -> int:
    """Bytes a boundary file may have (settings.BOUNDARY_MAX_FILE_SIZE)."""
    return settings.BOUNDARY_MAX_FILE_SIZE


@dataclasses.dataclass
class BoundaryFile:
    """What a file holds: {official code: geometry} and the problems that refuse it."""

    geometries: dict[str, dict] = dataclasses.field(default_factory=dict)
    problems: list[str] = dataclasses.field(default_factory=list)

    def refuse(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def read_boundaries(data: bytes, *, size: int | None = None) -> BoundaryFile:
    """Reads and checks a GeoJSON file. ``size``: the upload's size when known (a file over
    the limit is refused before it is read). Problems name the feature (its number in the
    file, from 1) and say what to correct; unknown codes are checked by check_codes()."""
    found = BoundaryFile()
    limit = max_file_size()
    if (size if size is not None else len(data)) > limit:
        found.refuse(
            _("The file is larger than %(limit)s MB: simplify the shapes (fewer points) or split the file.")
            % {"limit": _megabytes(limit)}
        )
        return found
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        found.refuse(_("The file is not GeoJSON: it could not be read as JSON (UTF-8)."))
        return found
    features = _features(document, found)
    for number, feature in enumerate(features, start=1):
        _read_feature(number, feature, found)
    if not features and not found.problems:
        found.refuse(_("The file holds no feature."))
    return found


def _features(document: object, found: BoundaryFile) -> list:
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
        if isinstance(features, list):
            return features
    elif isinstance(document, dict) and document.get("type") == "Feature":
        return [document]
    found.refuse(_("The file is not a GeoJSON FeatureCollection (“type”: “FeatureCollection” with “features”)."))
    return []


def feature_code(feature: dict) -> str:
    """The official code a feature names: its first CODE_PROPERTIES property, else its ``id``."""
    properties = feature.get("properties")
    if isinstance(properties, dict):
        for name in CODE_PROPERTIES:
            value = properties.get(name)
            if value not in (None, ""):
                return str(value).strip()
    value = feature.get("id")
    return "" if value is None else str(value).strip()


def _read_feature(number: int, feature: object, found: BoundaryFile) -> None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        found.refuse(_("Feature %(number)d is not a GeoJSON Feature.") % {"number": number})
        return
    code = feature_code(feature)
    if not code:
        found.refuse(
            _("Feature %(number)d names no unit: give it the property “code” (the unit's official code).")
            % {"number": number}
        )
        return
    geometry = feature.get("geometry")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in GEOMETRY_TYPES:
        found.refuse(
            _("Feature %(number)d (code %(code)s) is a %(kind)s: a boundary must be a Polygon or a MultiPolygon.")
            % {"number": number, "code": code, "kind": kind or _("feature without geometry")}
        )
        return
    polygons = geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [polygons]
    if not isinstance(polygons, list) or not polygons or not all(_is_polygon(p) for p in polygons):
        found.refuse(
            _(
                "Feature %(number)d (code %(code)s) has coordinates that are not a %(kind)s: each ring needs at "
                "least 4 positions [longitude, latitude], the last equal to the first, longitude −180…180, "
                "latitude −90…90."
            )
            % {"number": number, "code": code, "kind": kind}
        )
        return
    if code in found.geometries:
        found.refuse(
            _("Feature %(number)d: the code %(code)s is already given to an earlier feature.")
            % {"number": number, "code": code}
        )
        return
    found.geometries[code] = {"type": kind, "coordinates": geometry["coordinates"]}


def _is_polygon(rings: object) -> bool:
    return isinstance(rings, list) and bool(rings) and all(_is_ring(ring) for ring in rings)


def _is_ring(ring: object) -> bool:
    if not isinstance(ring, list) or len(ring) < 4 or not all(_is_position(p) for p in ring):
        return False
    return ring[0][:2] == ring[-1][:2]


def _is_position(position: object) -> bool:
    if not isinstance(position, list) or not 2 <= len(position) <= 3:
        return False
    if not all(isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n) for n in position):
        return False
    return -180 <= position[0] <= 180 and -90 <= position[1] <= 90


def check_codes(found: BoundaryFile) -> dict[str, AdministrativeUnit]:
    """{code: unit} for the file's codes (1 query); an unknown code refuses the file, named."""
    units = {unit.code: unit for unit in AdministrativeUnit.objects.filter(code__in=list(found.geometries))}
    unknown = sorted(code for code in found.geometries if code not in units)
    if unknown:
        found.refuse(
            ngettext(
                "No unit has the official code %(codes)s: add the unit (or its code) first, or correct the file.",
                "No unit has these official codes: %(codes)s. Add the units (or their codes) first, or correct "
                "the file.",
                len(unknown),
            )
            % {"codes": ", ".join(unknown[:MAX_PROBLEMS])}
        )
    return units


@transaction.atomic
def store(found: BoundaryFile, units: dict[str, AdministrativeUnit], *, user, file_name: str = "") -> int:
    """Writes every boundary of a file without problems, all at once (replacing a unit's
    earlier one); units the file does not name keep theirs. Returns how many were written."""
    if found.problems:
        raise ValueError("a refused file is not stored")
    now = timezone.now()
    rows = [
        UnitBoundary(
            unit=units[code],
            geometry=geometry,
            imported_at=now,
            imported_by=user if getattr(user, "pk", None) else None,
            file_name=(file_name or "")[:255],
        )
        for code, geometry in found.geometries.items()
    ]
    UnitBoundary.objects.filter(unit__in=[row.unit for row in rows]).delete()
    UnitBoundary.objects.bulk_create(rows)
    return len(rows)


def import_boundaries(data: bytes, *, user, file_name: str = "", size: int | None = None) -> BoundaryFile:
    """read_boundaries() + check_codes() + store(): the file's boundaries written when it has no
    problem, nothing written when it has one (its ``problems`` say why)."""
    found = read_boundaries(data, size=size)
    if not found.problems:
        units = check_codes(found)
        if not found.problems:
            store(found, units, user=user, file_name=file_name)
    return found
