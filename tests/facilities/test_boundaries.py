"""Units' boundaries for the map (facilities/boundaries.py): a GeoJSON file keyed by official
codes, checked whole, all stored or nothing; the admin's upload page; the units import's map
squares; the migration that adds them, both ways."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from facilities import boundaries
from facilities.models import AdministrativeUnit, UnitBoundary
from facilities.reference_resources import UnitResource
from tests import builders as b
from tests.targets.test_maps import square

URL = "admin:facilities_administrativeunit_boundaries"


def feature(code: str, geometry: dict | None = None, **properties) -> dict:
    return {"type": "Feature", "properties": {"code": code, **properties}, "geometry": geometry or square(105, 21)}


def geojson(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


@pytest.fixture
def units(db) -> dict[str, AdministrativeUnit]:
    return {code: b.unit(name, code=code) for code, name in (("018", "Gia Lâm"), ("017", "Đông Anh"))}


def test_a_good_file_stores_every_boundary(units, admin_user):
    found = boundaries.import_boundaries(
        geojson(feature("018"), feature("017", square(105.8, 21.1))), user=admin_user, file_name="hn.geojson"
    )
    assert found.problems == []
    stored = {row.unit.code: row for row in UnitBoundary.objects.select_related("unit")}
    assert set(stored) == {"018", "017"}
    assert stored["017"].geometry == square(105.8, 21.1)
    assert (stored["018"].imported_by, stored["018"].file_name) == (admin_user, "hn.geojson")
    # A second file replaces the boundaries it names and keeps the others.
    boundaries.import_boundaries(geojson(feature("018", square(106, 21))), user=admin_user)
    assert UnitBoundary.objects.get(unit__code="018").geometry == square(106, 21)
    assert UnitBoundary.objects.get(unit__code="017").geometry == square(105.8, 21.1)


def test_a_multipolygon_and_the_feature_id_are_read(units):
    multi = {"type": "MultiPolygon", "coordinates": [square(105, 21)["coordinates"], square(106, 21)["coordinates"]]}
    document = {"type": "FeatureCollection", "features": [{"type": "Feature", "id": "018", "geometry": multi}]}
    found = boundaries.import_boundaries(json.dumps(document).encode(), user=None)
    assert found.problems == []
    assert UnitBoundary.objects.get().geometry["type"] == "MultiPolygon"


@pytest.mark.parametrize(
    "content, message",
    [
        (
            geojson(feature("018"), feature("017", {"type": "Point", "coordinates": [105, 21]})),
            "Feature 2 (code 017) is a Point: a boundary must be a Polygon or a MultiPolygon.",
        ),
        (
            geojson(feature("018", {"type": "Polygon", "coordinates": [[[105, 21], [106, 21], [106, 22]]]})),
            "Feature 1 (code 018) has coordinates that are not a Polygon",
        ),
        (
            geojson(feature("018", {"type": "Polygon", "coordinates": [[[105, 21], [200, 21], [106, 22], [105, 21]]]})),
            "longitude −180…180",
        ),
        (geojson(feature("018"), feature("018")), "Feature 2: the code 018 is already given to an earlier feature."),
        (geojson(feature("")), "Feature 1 names no unit"),
        (b"{not json", "The file is not GeoJSON"),
        (json.dumps({"type": "Polygon", "coordinates": []}).encode(), "is not a GeoJSON FeatureCollection"),
        (geojson(), "The file holds no feature."),
    ],
)
def test_a_wrong_file_is_refused_whole(units, content, message):
    found = boundaries.import_boundaries(content, user=None)
    assert any(message in problem for problem in found.problems), found.problems
    assert not UnitBoundary.objects.exists()


def test_unknown_codes_are_named_and_nothing_is_written(units):
    found = boundaries.import_boundaries(geojson(feature("018"), feature("999"), feature("998")), user=None)
    assert found.problems == [
        "No unit has these official codes: 998, 999. Add the units (or their codes) first, or correct the file."
    ]
    assert not UnitBoundary.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(units, settings):
    settings.BOUNDARY_MAX_FILE_SIZE = 1024 * 1024
    content = geojson(*(feature("018", square(105, 21), padding="x" * 1000) for _ in range(1100)))
    found = boundaries.import_boundaries(content, user=None)
    assert found.problems == ["The file is larger than 1 MB: simplify the shapes (fewer points) or split the file."]
    assert not UnitBoundary.objects.exists()


def test_problems_are_in_vietnamese(units):
    with translation.override("vi"):
        unknown = boundaries.import_boundaries(geojson(feature("999")), user=None).problems
        point = boundaries.import_boundaries(
            geojson(feature("018", {"type": "Point", "coordinates": [105, 21]})), user=None
        ).problems
    assert "999" in unknown[0] and "mã" in unknown[0]
    assert "Point" in point[0] and "Polygon" in point[0] and "Đối tượng 1" in point[0]
    assert not UnitBoundary.objects.exists()


# --- The admin page -------------------------------------------------------------------------------


def test_the_admin_uploads_a_file(admin_client, units):
    changelist = admin_client.get(reverse("admin:facilities_administrativeunit_changelist"))
    assert reverse(URL) in changelist.content.decode()
    upload = SimpleUploadedFile("hn.geojson", geojson(feature("018"), feature("017")))
    response = admin_client.post(reverse(URL), {"file": upload})
    assert response.status_code == 302
    assert UnitBoundary.objects.count() == 2


def test_the_admin_sees_every_problem_and_nothing_is_stored(admin_client, units):
    content = geojson(feature("018"), feature("017", {"type": "LineString", "coordinates": [[105, 21], [106, 22]]}))
    response = admin_client.post(reverse(URL), {"file": SimpleUploadedFile("hn.geojson", content)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was stored." in page and "is a LineString" in page
    assert not UnitBoundary.objects.exists()


def test_only_those_who_change_units_upload(client, manager_user, units):
    client.force_login(manager_user)
    response = client.get(reverse(URL))
    assert response.status_code in (302, 403)


# --- Map squares through the units import ---------------------------------------------------------


def test_the_units_import_carries_map_squares(db):
    import tablib

    rows = tablib.Dataset(
        ["018", "Gia Lâm", "huyện", "2008-08-01", "3", "7"],
        ["017", "Đông Anh", "huyện", "2008-08-01", "", ""],
        headers=["Mã", "Tên", "Loại", "Hiệu lực từ", "Hàng bản đồ", "Cột bản đồ"],
    )
    result = UnitResource().import_data(rows)
    assert not result.has_errors() and not result.has_validation_errors()
    squares = dict(AdministrativeUnit.objects.values_list("code", "grid_row"))
    assert squares == {"018": 3, "017": None}
    assert AdministrativeUnit.objects.get(code="018").grid_col == 7
    too_far = tablib.Dataset(["018", "Gia Lâm", "huyện", "2008-08-01", "1000", "1"], headers=rows.headers)
    refused = UnitResource().import_data(too_far)
    assert refused.has_validation_errors()
    assert AdministrativeUnit.objects.get(code="018").grid_row == 3


# --- The migration ----------------------------------------------------------------------------------


def test_the_migration_reverses(transactional_db):
    executor = MigrationExecutor(connection)
    # Every app's latest: going back to facilities 0006 also takes back the programmes
    # migrations that depend on later facilities ones (their tables' columns too).
    latest = executor.loader.graph.leaf_nodes()
    unit = b.unit("Gia Lâm", code="018", grid_row=1, grid_col=2)
    UnitBoundary.objects.create(unit=unit, geometry=square(105, 21), imported_at=dt.datetime.now(dt.UTC))
    executor.migrate([("facilities", "0006_register_versions")])
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, unit._meta.db_table)}
        tables = connection.introspection.table_names(cursor)
    assert "grid_row" not in columns and "facilities_unitboundary" not in tables
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)
    unit.refresh_from_db()
    assert unit.name == "Gia Lâm" and unit.grid_row is None  # the squares are lost backwards
