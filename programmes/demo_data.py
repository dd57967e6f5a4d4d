"""Static lists for the demo data set (``manage.py load_demo``).

Hanoi's administrative units, sectors and production areas come from
docs/domain.md (items marked there as unverified are demo data, not truth).
The year-by-year plan reproduces the interview's year (2012, its "last year")
and lets 2013–2015 grow toward, but not reach, the 2015 targets.
All text is Vietnamese data, as the department would record it: not gettext.
"""

import datetime as dt
from dataclasses import dataclass

# Hà Tây merged into Hanoi on 2008-08-01; Vietnam dropped the district level
# on 2025-07-01, so every district-level unit's last day is 2025-06-30.
DISTRICT_LEVEL_FROM = dt.date(2008, 8, 1)
DISTRICT_LEVEL_UNTIL = dt.date(2025, 6, 30)
TU_LIEM_SPLIT = dt.date(2014, 1, 1)
TU_LIEM = "Từ Liêm"
TU_LIEM_SUCCESSORS = ("Bắc Từ Liêm", "Nam Từ Liêm")

URBAN, RURAL, TOWN = "urban_district", "rural_district", "town"
ZONE, CLUSTER, VILLAGE = "industrial_zone", "industrial_cluster", "craft_village"

PROGRAMME_SLUG = "hanoi-cp"
ORGANISER_DEPARTMENT = "Sở Công Thương Hà Nội"
ORGANISER_CENTRE = "Trung tâm Tiết kiệm năng lượng Hà Nội"


@dataclass(frozen=True)
class UnitSpec:
    name: str
    kind: str
    weight: int  # relative share of the facilities outside production areas
    valid_from: dt.date = DISTRICT_LEVEL_FROM
    valid_until: dt.date = DISTRICT_LEVEL_UNTIL


UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("Ba Đình", URBAN, 1),
    UnitSpec("Hoàn Kiếm", URBAN, 1),
    UnitSpec("Hai Bà Trưng", URBAN, 3),
    UnitSpec("Đống Đa", URBAN, 2),
    UnitSpec("Tây Hồ", URBAN, 2),
    UnitSpec("Cầu Giấy", URBAN, 2),
    UnitSpec("Thanh Xuân", URBAN, 4),
    UnitSpec("Hoàng Mai", URBAN, 6),
    UnitSpec("Long Biên", URBAN, 6),
    UnitSpec("Hà Đông", URBAN, 6),
    # Facilities of the Từ Liêm group are placed in a successor only when they
    # opened after the split (see demo_register.unit_for).
    UnitSpec("Bắc Từ Liêm", URBAN, 0, valid_from=TU_LIEM_SPLIT),
    UnitSpec("Nam Từ Liêm", URBAN, 0, valid_from=TU_LIEM_SPLIT),
    UnitSpec("Sơn Tây", TOWN, 3),
    UnitSpec("Ba Vì", RURAL, 2),
    UnitSpec("Chương Mỹ", RURAL, 4),
    UnitSpec("Đan Phượng", RURAL, 3),
    UnitSpec("Đông Anh", RURAL, 7),
    UnitSpec("Gia Lâm", RURAL, 6),
    UnitSpec("Hoài Đức", RURAL, 4),
    UnitSpec("Mê Linh", RURAL, 5),
    UnitSpec("Mỹ Đức", RURAL, 1),
    UnitSpec("Phú Xuyên", RURAL, 3),
    UnitSpec("Phúc Thọ", RURAL, 2),
    UnitSpec("Quốc Oai", RURAL, 3),
    UnitSpec("Sóc Sơn", RURAL, 4),
    UnitSpec("Thạch Thất", RURAL, 3),
    UnitSpec("Thanh Oai", RURAL, 3),
    UnitSpec("Thanh Trì", RURAL, 5),
    UnitSpec("Thường Tín", RURAL, 4),
    UnitSpec("Ứng Hòa", RURAL, 2),
    UnitSpec(TU_LIEM, RURAL, 7, valid_until=TU_LIEM_SPLIT - dt.timedelta(days=1)),
)

#: Since 2025-07-01 Hanoi has wards and communes only. The demo gives each district or town one
#: commune-level successor named after it ("Phường Ba Đình", "Xã Gia Lâm"): a simplification of the
#: 126 real ones (which a department loads through the units import), enough for figures by unit
#: at 2026 dates. Bắc and Nam Từ Liêm each become a ward of their own name.
REFORM = DISTRICT_LEVEL_UNTIL + dt.timedelta(days=1)
WARD, COMMUNE = "ward", "commune"
COMMUNE_PREFIX = {URBAN: ("Phường", WARD), TOWN: ("Phường", WARD), RURAL: ("Xã", COMMUNE)}
COMMUNE_UNITS: tuple[UnitSpec, ...] = tuple(
    UnitSpec(f"{COMMUNE_PREFIX[spec.kind][0]} {spec.name}", COMMUNE_PREFIX[spec.kind][1], 0, REFORM, None)
    for spec in UNITS
    if spec.valid_until == DISTRICT_LEVEL_UNTIL
)
#: The commune-level unit that takes each district's facilities on REFORM.
SUCCESSOR_AT_REFORM = {
    spec.name: f"{COMMUNE_PREFIX[spec.kind][0]} {spec.name}"
    for spec in UNITS
    if spec.valid_until == DISTRICT_LEVEL_UNTIL
}

#: Each district's square on the tile-grid map (row from the north, column from the west), roughly
#: where it lies: the nine inner districts in the middle, Ba Vì at the west, Sóc Sơn at the north,
#: Phú Xuyên at the south. Từ Liêm (until 2013) has Bắc Từ Liêm's square; each 2025 commune-level
#: successor its district's (map_position()).
GRID: dict[str, tuple[int, int]] = {
    "Mê Linh": (0, 4),
    "Sóc Sơn": (0, 5),
    "Ba Vì": (1, 0),
    "Sơn Tây": (1, 1),
    "Phúc Thọ": (1, 2),
    "Đan Phượng": (1, 3),
    "Bắc Từ Liêm": (1, 4),
    "Đông Anh": (1, 5),
    "Thạch Thất": (2, 1),
    "Quốc Oai": (2, 2),
    "Hoài Đức": (2, 3),
    "Nam Từ Liêm": (2, 4),
    "Tây Hồ": (2, 5),
    "Long Biên": (2, 6),
    "Chương Mỹ": (3, 2),
    "Hà Đông": (3, 3),
    "Cầu Giấy": (3, 4),
    "Ba Đình": (3, 5),
    "Hoàn Kiếm": (3, 6),
    "Gia Lâm": (3, 7),
    "Thanh Oai": (4, 3),
    "Thanh Xuân": (4, 4),
    "Đống Đa": (4, 5),
    "Hai Bà Trưng": (4, 6),
    "Thanh Trì": (5, 4),
    "Hoàng Mai": (5, 5),
    "Mỹ Đức": (6, 2),
    "Ứng Hòa": (6, 3),
    "Thường Tín": (6, 5),
    "Phú Xuyên": (7, 5),
    TU_LIEM: (1, 4),
}


def map_position(name: str) -> tuple[int, int]:
    """The tile-grid square of a demo unit, district or commune-level successor."""
    district = next((d for d, successor in SUCCESSOR_AT_REFORM.items() if successor == name), name)
    return GRID[district]


COMMITTEE_PREFIX = {
    URBAN: "UBND quận",
    RURAL: "UBND huyện",
    TOWN: "UBND thị xã",
    WARD: "UBND",
    COMMUNE: "UBND",
}


@dataclass(frozen=True)
class SectorSpec:
    name: str
    trades: tuple[str, ...]  # words for enterprise names, e.g. "Công ty TNHH Cơ khí …"
    craft: str  # word for household names, e.g. "Hộ sản xuất cơ khí …"
    product_unit: str  # per unit of product, for resource savings
    weight: int  # share among facilities outside production areas


SECTORS: tuple[SectorSpec, ...] = (
    SectorSpec("Cơ khí", ("Cơ khí", "Cơ khí chính xác", "Kết cấu thép"), "cơ khí", "t sản phẩm", 20),
    SectorSpec("Dệt may", ("Dệt may", "May mặc", "Dệt nhuộm"), "dệt may", "1.000 m vải", 12),
    SectorSpec(
        "Chế biến thực phẩm",
        ("Thực phẩm", "Chế biến nông sản", "Thực phẩm và đồ uống"),
        "thực phẩm",
        "t sản phẩm",
        14,
    ),
    SectorSpec("Gốm sứ", ("Gốm sứ", "Sứ vệ sinh", "Gốm mỹ nghệ"), "gốm", "t sản phẩm gốm", 2),
    SectorSpec("Đồ gỗ", ("Đồ gỗ", "Chế biến gỗ", "Nội thất"), "đồ gỗ", "m³ gỗ thành phẩm", 8),
    SectorSpec("Hóa chất", ("Hóa chất", "Sơn", "Hóa mỹ phẩm"), "hóa chất", "t sản phẩm", 6),
    SectorSpec(
        "Vật liệu xây dựng", ("Vật liệu xây dựng", "Gạch ngói", "Bê tông"), "gạch", "1.000 viên gạch quy chuẩn", 10
    ),
    SectorSpec("Thủ công mỹ nghệ", ("Thủ công mỹ nghệ", "Mỹ nghệ", "Mây tre đan"), "hàng mỹ nghệ", "1.000 sản phẩm", 4),
    SectorSpec("Da giày", ("Da giày", "Giày dép", "Thuộc da"), "giày dép", "1.000 đôi", 4),
    SectorSpec("Giấy", ("Giấy", "Bao bì giấy", "Giấy và bao bì"), "giấy", "t giấy", 5),
    SectorSpec("Điện tử", ("Điện tử", "Linh kiện điện tử", "Thiết bị điện"), "điện tử", "1.000 sản phẩm", 6),
    SectorSpec("Nhựa", ("Nhựa", "Bao bì nhựa", "Nhựa kỹ thuật"), "nhựa", "t sản phẩm", 8),
)

CERAMICS, TEXTILE, FOOD, MECHANICAL = "Gốm sứ", "Dệt may", "Chế biến thực phẩm", "Cơ khí"
WOOD, CHEMICALS, MATERIALS, CRAFTS = "Đồ gỗ", "Hóa chất", "Vật liệu xây dựng", "Thủ công mỹ nghệ"
PAPER, ELECTRONICS, PLASTICS = "Giấy", "Điện tử", "Nhựa"


@dataclass(frozen=True)
class AreaSpec:
    name: str
    kind: str
    unit: str
    place: str  # short name used in facility names
    products: str
    weight: int  # facilities in a 3,000-facility register
    sectors: tuple[tuple[str, int], ...]  # sector, relative weight
    craft: str = ""  # craft-village households: "Hộ sản xuất <craft> <person>"


AREAS: tuple[AreaSpec, ...] = (
    # Industrial zones (KCN).
    AreaSpec(
        "KCN Thăng Long",
        ZONE,
        "Đông Anh",
        "Thăng Long",
        "điện tử, cơ khí chính xác, linh kiện ô tô",
        120,
        ((ELECTRONICS, 5), (MECHANICAL, 4), (PLASTICS, 1)),
    ),
    AreaSpec(
        "KCN Nội Bài",
        ZONE,
        "Sóc Sơn",
        "Nội Bài",
        "điện tử, cơ khí, bao bì",
        70,
        ((ELECTRONICS, 3), (MECHANICAL, 3), (PLASTICS, 2), (PAPER, 1)),
    ),
    AreaSpec(
        "KCN Phú Nghĩa",
        ZONE,
        "Chương Mỹ",
        "Phú Nghĩa",
        "dệt may, cơ khí, thực phẩm",
        90,
        ((TEXTILE, 3), (MECHANICAL, 3), (FOOD, 2), (PLASTICS, 1)),
    ),
    AreaSpec(
        "KCN Thạch Thất – Quốc Oai",
        ZONE,
        "Thạch Thất",
        "Thạch Thất",
        "cơ khí, vật liệu xây dựng, thực phẩm",
        80,
        ((MECHANICAL, 4), (MATERIALS, 2), (FOOD, 2), (CHEMICALS, 1)),
    ),
    AreaSpec(
        "KCN Quang Minh",
        ZONE,
        "Mê Linh",
        "Quang Minh",
        "cơ khí, điện tử, hóa chất, thực phẩm",
        130,
        ((MECHANICAL, 4), (ELECTRONICS, 2), (CHEMICALS, 2), (FOOD, 2), (PLASTICS, 1)),
    ),
    # Nam Thăng Long park and the Từ Liêm cluster lie in what is Bắc Từ Liêm
    # since 2014. An area has one unit, so it gets the unit that is valid for
    # the rest of the programme; facilities opened before the split keep
    # Từ Liêm (demo_register.unit_for), so counts by unit before 2014 hold.
    AreaSpec(
        "KCN Nam Thăng Long",
        ZONE,
        "Bắc Từ Liêm",
        "Nam Thăng Long",
        "cơ khí, điện tử, thực phẩm",
        60,
        ((MECHANICAL, 3), (ELECTRONICS, 2), (FOOD, 2)),
    ),
    AreaSpec(
        "KCN Sài Đồng B",
        ZONE,
        "Long Biên",
        "Sài Đồng",
        "điện tử, cơ khí, hóa dược",
        60,
        ((ELECTRONICS, 3), (MECHANICAL, 2), (CHEMICALS, 2)),
    ),
    # Industrial clusters (CCN).
    AreaSpec(
        "CCN vừa và nhỏ Từ Liêm",
        CLUSTER,
        "Bắc Từ Liêm",
        "Từ Liêm",
        "cơ khí, in, thực phẩm, dệt may",
        110,
        ((MECHANICAL, 4), (FOOD, 2), (TEXTILE, 2), (PAPER, 1), (PLASTICS, 1)),
    ),
    AreaSpec(
        "CCN thực phẩm Lệ Chi",
        CLUSTER,
        "Gia Lâm",
        "Lệ Chi",
        "chế biến thực phẩm",
        60,
        ((FOOD, 6), (PLASTICS, 1)),
    ),
    AreaSpec(
        "CCN Phùng",
        CLUSTER,
        "Đan Phượng",
        "Phùng",
        "cơ khí, đồ gỗ, vật liệu xây dựng",
        60,
        ((MECHANICAL, 3), (WOOD, 2), (MATERIALS, 2)),
    ),
    AreaSpec(
        "CCN Ngọc Liệp",
        CLUSTER,
        "Quốc Oai",
        "Ngọc Liệp",
        "cơ khí, dệt may, thực phẩm",
        50,
        ((MECHANICAL, 2), (TEXTILE, 2), (FOOD, 2)),
    ),
    AreaSpec(
        "CCN Đắc Sở",
        CLUSTER,
        "Hoài Đức",
        "Đắc Sở",
        "chế biến thực phẩm, dệt kim",
        40,
        ((FOOD, 3), (TEXTILE, 2)),
    ),
    AreaSpec(
        "CCN Liên Hà",
        CLUSTER,
        "Đông Anh",
        "Liên Hà",
        "đồ gỗ mỹ nghệ, cơ khí",
        50,
        ((WOOD, 3), (MECHANICAL, 2)),
    ),
    AreaSpec(
        "CCN Phùng Xá",
        CLUSTER,
        "Thạch Thất",
        "Phùng Xá",
        "cơ khí, rèn, đúc",
        60,
        ((MECHANICAL, 6), (PLASTICS, 1)),
    ),
    # Craft villages (làng nghề): households and cooperatives of the village craft.
    AreaSpec("Làng gốm Bát Tràng", VILLAGE, "Gia Lâm", "Bát Tràng", "gốm sứ", 280, ((CERAMICS, 1),), "gốm"),
    AreaSpec("Làng gốm Kim Lan", VILLAGE, "Gia Lâm", "Kim Lan", "gốm sứ", 110, ((CERAMICS, 1),), "gốm"),
    AreaSpec("Làng lụa Vạn Phúc", VILLAGE, "Hà Đông", "Vạn Phúc", "lụa tơ tằm", 110, ((TEXTILE, 1),), "lụa"),
    AreaSpec(
        "Làng khảm trai Chuôn Ngọ", VILLAGE, "Phú Xuyên", "Chuôn Ngọ", "khảm trai", 60, ((CRAFTS, 1),), "khảm trai"
    ),
    AreaSpec("Làng nón Chuông", VILLAGE, "Thanh Oai", "Chuông", "nón lá", 50, ((CRAFTS, 1),), "nón lá"),
    AreaSpec(
        "Làng tre trúc Thạch Xá",
        VILLAGE,
        "Thạch Thất",
        "Thạch Xá",
        "chuồn chuồn tre, đồ tre trúc",
        50,
        ((CRAFTS, 1),),
        "đồ tre trúc",
    ),
    AreaSpec(
        "Làng mây tre đan Phú Vinh", VILLAGE, "Chương Mỹ", "Phú Vinh", "mây tre đan", 90, ((CRAFTS, 1),), "mây tre đan"
    ),
    AreaSpec(
        "Làng tượng gỗ Sơn Đồng", VILLAGE, "Hoài Đức", "Sơn Đồng", "tượng gỗ, đồ thờ", 60, ((WOOD, 1),), "tượng gỗ"
    ),
    AreaSpec("Làng dệt kim La Phù", VILLAGE, "Hoài Đức", "La Phù", "dệt kim, len", 140, ((TEXTILE, 1),), "dệt kim"),
    AreaSpec("Làng mộc Vân Điềm", VILLAGE, "Đông Anh", "Vân Điềm", "đồ gỗ", 70, ((WOOD, 1),), "đồ gỗ"),
    AreaSpec("Làng sơn mài Hạ Thái", VILLAGE, "Thường Tín", "Hạ Thái", "sơn mài", 50, ((CRAFTS, 1),), "sơn mài"),
)

REFERENCE_SIZE = 3000  # area weights are facility counts at this register size
BAT_TRANG, KIM_LAN = "Làng gốm Bát Tràng", "Làng gốm Kim Lan"
QUANG_MINH, TU_LIEM_CLUSTER, VAN_PHUC = "KCN Quang Minh", "CCN vừa và nhỏ Từ Liêm", "Làng lụa Vạn Phúc"

# The artisan of the interview's demonstration model: gas-fired kiln, Kim Lan.
ARTISAN_CODE = "8000201201"
ARTISAN_NAME = "Xưởng gốm nghệ nhân Đào Viết Bình"
ARTISAN_SURVEYED_ON = dt.date(2012, 3, 15)
DEMONSTRATION_NAME = "Lò nung gốm bằng khí gas – xưởng nghệ nhân Đào Viết Bình, Kim Lan"
DEMONSTRATION_TECHNOLOGY = "Lò nung con thoi dùng khí gas (LPG) thay lò hộp đốt than"
DEMONSTRATION_STARTED_ON = dt.date(2012, 6, 1)
DEMONSTRATION_RESULTS = (
    "Tỷ lệ sản phẩm đạt loại A tăng; giảm khói bụi và khí SO₂ so với lò than; "
    "tiết kiệm 6–8% nhiên liệu quy đổi và nguyên liệu trên một tấn sản phẩm. "
    "Hội Gốm Kim Lan dự kiến nhân rộng."
)

BRANDS = (
    "Hưng Thịnh",
    "Phú Cường",
    "Thành Đạt",
    "Minh Phát",
    "An Phát",
    "Hoàng Long",
    "Việt Tiến",
    "Đại Dương",
    "Tân Á",
    "Sao Mai",
    "Hòa Bình",
    "Hồng Hà",
    "Trường Sơn",
    "Bình Minh",
    "Phú Thịnh",
    "Toàn Thắng",
    "Hải Nam",
    "Kim Long",
    "Đức Thành",
    "Quang Huy",
    "Nam Việt",
    "Thiên Phúc",
    "Hà Thành",
    "Tiến Đạt",
    "Vĩnh Phát",
    "Đông Á",
    "Phương Đông",
    "Hưng Long",
    "Gia Bảo",
    "Hoàng Gia",
    "Ngọc Hà",
    "Tân Tiến",
    "Thái Sơn",
    "Việt Hưng",
    "An Khang",
    "Lộc Phát",
    "Hợp Thành",
    "Thịnh Vượng",
)
LEGAL_FORMS = ("Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV")
FAMILY_NAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Ngô",
    "Dương",
    "Lý",
    "Đào",
    "Phùng",
    "Trịnh",
)
# (middle names, given names) for men and for women.
PERSON_NAMES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("Văn", "Đức", "Minh", "Hữu", "Quang", "Xuân"),
        (
            "An",
            "Bình",
            "Cường",
            "Dũng",
            "Hải",
            "Hùng",
            "Khánh",
            "Long",
            "Nam",
            "Phong",
            "Quân",
            "Sơn",
            "Thắng",
            "Tuấn",
            "Vinh",
            "Toàn",
            "Hiếu",
            "Trung",
            "Đạt",
            "Kiên",
        ),
    ),
    (
        ("Thị", "Thu", "Ngọc", "Thanh"),
        ("Hà", "Hoa", "Hương", "Lan", "Mai", "Nga", "Phương", "Thủy", "Yến", "Linh", "Hằng", "Oanh"),
    ),
)


@dataclass(frozen=True)
class Focus:
    """Who an outreach event is for; empty filters match every facility."""

    label: str  # completes the title, e.g. "Hội thảo sản xuất sạch hơn <label>"
    venue: str
    unit: str = ""  # the unit hosting the event, if local
    area_kinds: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()


FOCI: dict[str, Focus] = {
    "city": Focus("cho doanh nghiệp công nghiệp Hà Nội", "Hội trường Sở Công Thương Hà Nội"),
    "villages": Focus("cho các làng nghề", "Trung tâm Tiết kiệm năng lượng Hà Nội", area_kinds=(VILLAGE,)),
    "zones_clusters": Focus(
        "cho doanh nghiệp trong khu, cụm công nghiệp", "Hội trường Sở Công Thương Hà Nội", area_kinds=(ZONE, CLUSTER)
    ),
    "four_sectors": Focus(
        "ngành cơ khí, dệt may, chế biến thực phẩm và gốm sứ",
        "Trung tâm Tiết kiệm năng lượng Hà Nội",
        sectors=(MECHANICAL, TEXTILE, FOOD, CERAMICS),
    ),
    "ceramics": Focus(
        "tại làng nghề gốm sứ Bát Tràng – Kim Lan", "Nhà văn hóa xã Bát Tràng", "Gia Lâm", areas=(BAT_TRANG, KIM_LAN)
    ),
    "textile": Focus("ngành dệt may", "Trung tâm Tiết kiệm năng lượng Hà Nội", sectors=(TEXTILE,)),
    "mechanical": Focus("ngành cơ khí", "Trung tâm Tiết kiệm năng lượng Hà Nội", sectors=(MECHANICAL,)),
    "food": Focus("ngành chế biến thực phẩm", "Trung tâm Tiết kiệm năng lượng Hà Nội", sectors=(FOOD,)),
    "quang_minh": Focus("tại KCN Quang Minh", "Ban quản lý KCN Quang Minh", "Mê Linh", areas=(QUANG_MINH,)),
    "tu_liem_cluster": Focus(
        "tại CCN vừa và nhỏ Từ Liêm", "Ban quản lý CCN vừa và nhỏ Từ Liêm", "Bắc Từ Liêm", areas=(TU_LIEM_CLUSTER,)
    ),
    "wood_crafts": Focus(
        "ngành đồ gỗ và thủ công mỹ nghệ", "Trung tâm Tiết kiệm năng lượng Hà Nội", sectors=(WOOD, CRAFTS)
    ),
    "thang_long_noi_bai": Focus(
        "tại KCN Thăng Long và KCN Nội Bài",
        "Hội trường UBND huyện Đông Anh",
        "Đông Anh",
        areas=("KCN Thăng Long", "KCN Nội Bài"),
    ),
    "silk_knitting": Focus(
        "tại làng lụa Vạn Phúc và làng dệt kim La Phù",
        "Nhà văn hóa phường Vạn Phúc",
        areas=(VAN_PHUC, "Làng dệt kim La Phù"),
    ),
    "materials": Focus(
        "ngành vật liệu xây dựng và hóa chất", "Trung tâm Tiết kiệm năng lượng Hà Nội", sectors=(MATERIALS, CHEMICALS)
    ),
    "phu_nghia": Focus("tại KCN Phú Nghĩa", "Hội trường UBND huyện Chương Mỹ", "Chương Mỹ", areas=("KCN Phú Nghĩa",)),
}


@dataclass(frozen=True)
class YearPlan:
    """One programme year. Shares are of in-scope facilities open at year end,
    cumulative since 2011; events are (participants, focus key)."""

    year: int
    reached_share: float  # facilities reached (attendance, survey or awareness record)
    applying_share: float  # facilities with a CP solution implemented
    leaflets: tuple[int, ...]  # copies per distribution
    reports: tuple[str, ...]  # period of each results report, completed by the year
    symposia: tuple[tuple[int, str], ...]
    workshops: tuple[tuple[int, str], ...]
    trainings: tuple[tuple[int, str], ...] = ()
    media: tuple[str, ...] = ()  # focus keys of media pieces
    surveys: tuple[tuple[str | None, int], ...] = ()  # area (None: anywhere) and count
    awareness_records: int = 0  # at the reference size
    replications: int = 0  # of the demonstration model
    focus_sectors: tuple[str, ...] = ()  # sectors new contacts lean toward


YEARS: tuple[YearPlan, ...] = (
    YearPlan(
        2011,
        reached_share=0.055,
        applying_share=0.018,
        leaflets=(2000,),
        reports=("6 tháng đầu năm", "năm"),
        symposia=((85, "city"), (92, "zones_clusters")),
        workshops=((70, "ceramics"), (65, "mechanical"), (80, "textile"), (75, "food")),
        surveys=(("KCN Thăng Long", 3), (QUANG_MINH, 2), (BAT_TRANG, 3), ("CCN thực phẩm Lệ Chi", 2), (None, 2)),
        focus_sectors=(MECHANICAL, TEXTILE, FOOD, CERAMICS),
    ),
    # The interview's year: 5,000 leaflets, 3 results reports, 3 symposia for
    # more than 300 people, workshops for more than 600, 30 surveys in Quang
    # Minh, the Từ Liêm cluster and craft villages, about 15% reached and 6%
    # applying by the end of the year.
    YearPlan(
        2012,
        reached_share=0.15,
        applying_share=0.06,
        leaflets=(2000, 1500, 1500),
        reports=("6 tháng đầu năm", "9 tháng năm", "năm"),
        symposia=((112, "villages"), (104, "zones_clusters"), (97, "four_sectors")),
        workshops=(
            (118, "ceramics"),
            (96, "textile"),
            (105, "quang_minh"),
            (87, "food"),
            (124, "tu_liem_cluster"),
            (110, "city"),
        ),
        surveys=((QUANG_MINH, 12), (TU_LIEM_CLUSTER, 9), (KIM_LAN, 4), (BAT_TRANG, 3), (VAN_PHUC, 2)),
        awareness_records=4,
        focus_sectors=(MECHANICAL, TEXTILE, FOOD, CERAMICS),
    ),
    YearPlan(
        2013,
        reached_share=0.235,
        applying_share=0.095,
        leaflets=(3000, 2000),
        reports=("6 tháng đầu năm", "9 tháng năm", "năm"),
        symposia=((120, "villages"), (110, "zones_clusters"), (95, "city")),
        workshops=(
            (100, "ceramics"),
            (90, "wood_crafts"),
            (105, "mechanical"),
            (95, "food"),
            (85, "silk_knitting"),
            (110, "thang_long_noi_bai"),
            (100, "city"),
        ),
        trainings=((45, "zones_clusters"), (38, "villages"), (40, "city")),
        media=("city",),
        surveys=(
            ("KCN Thăng Long", 6),
            ("KCN Nội Bài", 4),
            ("CCN Phùng Xá", 5),
            ("Làng dệt kim La Phù", 5),
            (BAT_TRANG, 4),
            ("KCN Phú Nghĩa", 4),
            (None, 4),
        ),
        awareness_records=8,
        replications=4,
    ),
    YearPlan(
        2014,
        reached_share=0.31,
        applying_share=0.13,
        leaflets=(3000, 3000),
        reports=("6 tháng đầu năm", "9 tháng năm", "năm"),
        symposia=((125, "villages"), (118, "zones_clusters"), (104, "materials")),
        workshops=(
            (96, "ceramics"),
            (88, "textile"),
            (102, "mechanical"),
            (90, "food"),
            (84, "phu_nghia"),
            (95, "tu_liem_cluster"),
            (80, "wood_crafts"),
            (105, "city"),
        ),
        trainings=((42, "zones_clusters"), (40, "villages"), (36, "mechanical"), (44, "city")),
        media=("villages", "city"),
        surveys=(
            (QUANG_MINH, 6),
            ("KCN Sài Đồng B", 4),
            ("CCN Ngọc Liệp", 4),
            ("CCN Liên Hà", 4),
            (KIM_LAN, 4),
            ("Làng mộc Vân Điềm", 4),
            ("KCN Thạch Thất – Quốc Oai", 4),
            (None, 6),
        ),
        awareness_records=10,
        replications=6,
    ),
    YearPlan(
        2015,
        reached_share=0.39,
        applying_share=0.17,
        leaflets=(4000, 2000, 2000),
        reports=("quý I năm", "6 tháng đầu năm", "9 tháng năm", "năm"),
        symposia=((130, "villages"), (122, "zones_clusters"), (115, "four_sectors"), (98, "city")),
        workshops=(
            (104, "ceramics"),
            (92, "silk_knitting"),
            (110, "mechanical"),
            (96, "food"),
            (88, "materials"),
            (100, "quang_minh"),
            (92, "thang_long_noi_bai"),
            (112, "city"),
        ),
        trainings=((45, "zones_clusters"), (42, "villages"), (40, "food"), (38, "textile"), (46, "city")),
        media=("ceramics", "city"),
        surveys=(
            ("KCN Nam Thăng Long", 5),
            (TU_LIEM_CLUSTER, 5),
            ("CCN Phùng", 4),
            ("CCN Đắc Sở", 4),
            (BAT_TRANG, 5),
            ("Làng mây tre đan Phú Vinh", 4),
            ("KCN Thăng Long", 5),
            (None, 8),
        ),
        awareness_records=12,
        replications=8,
    ),
)

EVENT_TITLES = {
    "symposium": "Hội nghị hướng dẫn áp dụng sản xuất sạch hơn {label} năm {year}",
    "workshop": "Hội thảo sản xuất sạch hơn {label} năm {year}",
    "training": "Tập huấn đánh giá sản xuất sạch hơn {label} năm {year}",
    "media": "Phóng sự truyền hình về sản xuất sạch hơn {label} năm {year}",
    "leaflets": "Phát hành tờ rơi giới thiệu sản xuất sạch hơn, đợt {n} năm {year}",
    "results_report": "Báo cáo kết quả thực hiện chương trình sản xuất sạch hơn {period} {year}",
}

# CP specialists in the People's Committees: (unit, name, position, appointed, left).
# About 40% of units covered at the end of 2012 and two thirds at the end of
# 2015; Từ Liêm's specialist moves to Bắc Từ Liêm at the split.
ECONOMY_OFFICER = "Chuyên viên Phòng Kinh tế"
DEPUTY_HEAD = "Phó trưởng Phòng Kinh tế"
SPECIALISTS: tuple[tuple[str, str, str, dt.date, dt.date | None], ...] = (
    ("Gia Lâm", "Nguyễn Văn Hùng", DEPUTY_HEAD, dt.date(2011, 4, 1), None),
    ("Đông Anh", "Trần Thị Lan", ECONOMY_OFFICER, dt.date(2011, 5, 16), None),
    ("Mê Linh", "Lê Đức Thắng", ECONOMY_OFFICER, dt.date(2011, 6, 1), None),
    (TU_LIEM, "Phạm Minh Tuấn", ECONOMY_OFFICER, dt.date(2011, 6, 15), TU_LIEM_SPLIT),
    ("Hà Đông", "Vũ Thị Hương", ECONOMY_OFFICER, dt.date(2011, 9, 1), None),
    ("Sóc Sơn", "Đỗ Quang Huy", ECONOMY_OFFICER, dt.date(2011, 10, 3), dt.date(2013, 8, 15)),
    ("Thạch Thất", "Bùi Văn Nam", ECONOMY_OFFICER, dt.date(2012, 2, 15), None),
    ("Chương Mỹ", "Ngô Thị Mai", ECONOMY_OFFICER, dt.date(2012, 3, 1), None),
    ("Hoài Đức", "Đặng Hữu Phong", DEPUTY_HEAD, dt.date(2012, 4, 2), None),
    ("Quốc Oai", "Dương Văn Sơn", ECONOMY_OFFICER, dt.date(2012, 5, 15), dt.date(2015, 9, 30)),
    ("Thường Tín", "Hoàng Thị Nga", ECONOMY_OFFICER, dt.date(2012, 7, 2), None),
    ("Long Biên", "Lý Minh Khánh", ECONOMY_OFFICER, dt.date(2012, 9, 3), None),
    ("Phú Xuyên", "Trịnh Văn Toàn", ECONOMY_OFFICER, dt.date(2013, 3, 1), None),
    ("Thanh Oai", "Phùng Thị Yến", ECONOMY_OFFICER, dt.date(2013, 6, 3), None),
    ("Đan Phượng", "Nguyễn Xuân Trung", ECONOMY_OFFICER, dt.date(2013, 9, 2), None),
    ("Sóc Sơn", "Lê Thị Phương", ECONOMY_OFFICER, dt.date(2013, 10, 1), None),
    ("Bắc Từ Liêm", "Phạm Minh Tuấn", ECONOMY_OFFICER, TU_LIEM_SPLIT, None),
    ("Nam Từ Liêm", "Trần Quang Hiếu", ECONOMY_OFFICER, dt.date(2014, 3, 3), None),
    ("Hoàng Mai", "Vũ Văn Kiên", ECONOMY_OFFICER, dt.date(2014, 5, 5), None),
    ("Thanh Trì", "Đào Thị Hà", ECONOMY_OFFICER, dt.date(2015, 2, 2), None),
    ("Sơn Tây", "Ngô Văn Đạt", ECONOMY_OFFICER, dt.date(2015, 4, 1), None),
    ("Ba Vì", "Bùi Thị Linh", ECONOMY_OFFICER, dt.date(2015, 6, 1), None),
    ("Ứng Hòa", "Đỗ Văn Cường", ECONOMY_OFFICER, dt.date(2015, 11, 2), None),
)

# CP options and solutions by UNEP/UNIDO category.
OPTION_TEXTS: dict[str, tuple[str, ...]] = {
    "good_housekeeping": (
        "Sửa chữa rò rỉ hơi, khí nén và nước",
        "Tắt thiết bị, chiếu sáng khi không sử dụng",
        "Sắp xếp kho nguyên liệu, giảm hư hỏng",
    ),
    "input_change": (
        "Thay nhiên liệu than bằng khí gas",
        "Dùng nguyên liệu đầu vào ít tạp chất hơn",
        "Thay hóa chất độc hại bằng hóa chất thân thiện môi trường",
    ),
    "process_control": (
        "Lắp đồng hồ đo điện, nước theo từng khâu",
        "Kiểm soát nhiệt độ và thời gian nung, sấy",
        "Xây dựng định mức tiêu hao nguyên liệu",
    ),
    "equipment_modification": (
        "Bảo ôn đường ống hơi và thiết bị nhiệt",
        "Lắp biến tần cho động cơ bơm, quạt",
        "Cải tạo buồng đốt lò hơi",
    ),
    "technology_change": (
        "Chuyển lò nung than sang lò nung gas",
        "Thay động cơ hiệu suất cao",
        "Thay chiếu sáng bằng đèn LED",
    ),
    "recovery_reuse": (
        "Thu hồi nhiệt khí thải để sấy sản phẩm",
        "Tuần hoàn nước làm mát",
        "Thu hồi nước ngưng quay lại lò hơi",
    ),
    "by_products": (
        "Tận dụng phế phẩm làm sản phẩm phụ",
        "Bán phế liệu kim loại, vải vụn cho cơ sở tái chế",
    ),
    "product_modification": (
        "Thiết kế lại sản phẩm giảm khối lượng nguyên liệu",
        "Thay đổi bao bì sản phẩm",
    ),
}
# Relative weights of the categories in what surveys find and facilities do.
CATEGORY_WEIGHTS = {
    "good_housekeeping": 5,
    "input_change": 2,
    "process_control": 4,
    "equipment_modification": 3,
    "technology_change": 2,
    "recovery_reuse": 2,
    "by_products": 1,
    "product_modification": 1,
}
SUPPORT_TEXTS = {
    "technique": "Hướng dẫn kỹ thuật quản lý nội vi, bảo ôn và vận hành thiết bị",
    "technology": "Tư vấn lựa chọn công nghệ và thiết bị tiết kiệm năng lượng",
    "process_control": "Hỗ trợ lắp đồng hồ đo và xây dựng định mức tiêu hao theo công đoạn",
}
SURVEYORS = (
    "Trung tâm Tiết kiệm năng lượng Hà Nội: Nguyễn Minh An, Lê Văn Hải",
    "Trung tâm Tiết kiệm năng lượng Hà Nội: Trần Đức Long, Phạm Thị Thủy",
    "Trung tâm Tiết kiệm năng lượng Hà Nội: Hoàng Văn Dũng, Vũ Ngọc Lan",
)
FINDINGS = (
    "Tổn thất nhiệt lớn ở khâu {process}; chưa có định mức tiêu hao theo công đoạn.",
    "Tiêu thụ điện cao ở khâu {process}; thiết bị cũ, chưa có biến tần.",
    "Nhiên liệu đốt chưa được kiểm soát ở khâu {process}; tỷ lệ phế phẩm cao.",
)
PROCESSES = {
    MECHANICAL: "gia công, sơn sấy",
    TEXTILE: "nhuộm, sấy",
    FOOD: "nấu, sấy, thanh trùng",
    CERAMICS: "nung",
    WOOD: "sấy gỗ, sơn",
    CHEMICALS: "phản ứng, cô đặc",
    MATERIALS: "nung, nghiền",
    CRAFTS: "sấy, xử lý nguyên liệu",
    "Da giày": "thuộc, ép đế",
    PAPER: "nghiền bột, sấy",
    ELECTRONICS: "hàn, sấy linh kiện",
    PLASTICS: "ép phun, đùn",
}
AWARENESS_SOURCES = (
    "Phiếu điều tra nhận thức sản xuất sạch hơn",
    "Cán bộ Trung tâm đến làm việc tại cơ sở",
    "Văn bản phản hồi của cơ sở về tài liệu sản xuất sạch hơn",
)
DEMONSTRATION_VISIT = "Tham quan mô hình lò nung gas tại xưởng nghệ nhân Đào Viết Bình"
REPLICATION_NOTE = "Nhân rộng lò nung gas theo mô hình trình diễn; Trung tâm hướng dẫn vận hành"

PROGRAMME_NAME = "Chương trình sản xuất sạch hơn Hà Nội"
PROGRAMME_DESCRIPTION = (
    "Áp dụng sản xuất sạch hơn trong công nghiệp trên địa bàn thành phố Hà Nội đến năm 2020, "
    "theo Chiến lược sản xuất sạch hơn trong công nghiệp (Quyết định 1419/QĐ-TTg ngày 07/9/2009)."
)
# (name, starts, ends)
PHASES = (
    ("Đến 2015", dt.date(2011, 1, 1), dt.date(2015, 12, 31)),
    ("2016–2020", dt.date(2016, 1, 1), dt.date(2020, 12, 31)),
)
# phase name → (indicator, target_min, target_max, saving_min, saving_max)
TARGETS: dict[str, tuple[tuple[str, int, int | None, int | None, int | None], ...]] = {
    "Đến 2015": (
        ("awareness", 50, None, None, None),
        ("application", 25, None, None, None),
        ("application_with_saving", 25, None, 5, 8),
        ("saving", 5, 8, None, None),
        ("specialist_coverage", 70, None, None, None),
    ),
    "2016–2020": (
        ("awareness", 90, None, None, None),
        ("application", 50, None, None, None),
        ("application_with_saving", 50, None, 8, 13),
        ("saving", 8, 13, None, None),
    ),
}
TARGET_BASELINE_ON = dt.date(2011, 1, 1)
