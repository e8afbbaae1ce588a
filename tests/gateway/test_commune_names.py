"""Thanh Hóa's units and the name matcher (gateway/communes/names.py): the data file's figures, old names of every
kind mapped to today's unit with and without marks, ambiguous old names, and ordinary sentences that name nothing."""

from __future__ import annotations

import re
import time

import pytest

from gateway.communes.names import DEFAULT_PATH, Match, NameIndex, Unit, describe, load_units
from vntext.normalize import strip_diacritics


@pytest.fixture(scope="module")
def units():
    return load_units()


@pytest.fixture(scope="module")
def index(units):
    return NameIndex(units)


def plain(text: str) -> str:
    """As typed on a keyboard without Vietnamese input: no marks, lowercase."""
    return strip_diacritics(text).lower()


# ------------------------------------------------------------------------------------------------------ the file


def test_the_file_has_the_166_units_of_resolution_1686(units):
    assert len(units) == 166
    assert sum(u.kind == "xã" for u in units) == 147
    assert sum(u.kind == "phường" for u in units) == 19
    slugs = [u.slug for u in units]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs)
    assert len({u.name for u in units}) == 166
    for u in units:
        assert u.name == ("Xã " if u.kind == "xã" else "Phường ") + u.short
        assert u.old and all(o.type in {"merged", "divided", "renamed", "unchanged"} for o in u.old)
        assert all(o.name and o.district for o in u.old)
    assert sum(len(u.old) for u in units) == 558


def test_quang_yen_is_four_old_communes_of_quang_xuong(units):
    unit = next(u for u in units if u.slug == "quang-yen")
    assert (unit.name, unit.kind, unit.short) == ("Xã Quảng Yên", "xã", "Quảng Yên")
    assert sorted(o.name for o in unit.old) == ["Xã Quảng Hòa", "Xã Quảng Long", "Xã Quảng Trạch", "Xã Quảng Yên"]
    assert {o.district for o in unit.old} == {"Huyện Quảng Xương"}


def test_the_one_slug_collision_goes_to_the_phuong(units):
    by_slug = {u.slug: u.name for u in units}
    assert by_slug["dong-tien"] == "Xã Đồng Tiến"
    assert by_slug["phuong-dong-tien"] == "Phường Đông Tiến"
    assert "collisions" in DEFAULT_PATH.read_text(encoding="utf-8").split("\ncommunes:")[0]


def test_load_units_reads_once_per_modification(tmp_path):
    path = tmp_path / "units.yml"
    path.write_text('communes:\n  - {slug: a-b, name: "Xã A B", kind: xã, short: "A B", old: []}\n', encoding="utf-8")
    first = load_units(path)
    assert load_units(path) == first and first[0] == Unit("a-b", "Xã A B", "xã", "A B", ())
    path.write_text(
        'communes:\n  - {slug: c-d, name: "Xã C D", kind: xã, short: "C D", old: '
        '[{name: "Xã E G", district: "Huyện H", type: merged}]}\n',
        encoding="utf-8",
    )
    import os

    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    again = load_units(path)
    assert [u.slug for u in again] == ["c-d"] and again[0].old[0].name == "Xã E G"


# ------------------------------------------------------------------------------------------------- old names

# (old unit, its former district, today's unit): merged communes of many former districts, old phường of the
# former Thanh Hóa city and of Sầm Sơn / Nghi Sơn, old thị trấn
OLD_NAMES = [
    ("Xã Quảng Long", "Huyện Quảng Xương", "quang-yen"),
    ("Xã Quảng Trạch", "Huyện Quảng Xương", "quang-yen"),
    ("Xã Quảng Nhân", "Huyện Quảng Xương", "quang-ninh"),
    ("Xã Quảng Trường", "Huyện Quảng Xương", "quang-chinh"),
    ("Xã Ái Thượng", "Huyện Bá Thước", "dien-lu"),
    ("Xã Lương Nội", "Huyện Bá Thước", "quy-luong"),
    ("Xã Cẩm Quý", "Huyện Cẩm Thủy", "cam-tu"),
    ("Xã Hoằng Trung", "Huyện Hoằng Hóa", "hoang-phu"),
    ("Xã Hoằng Xuyên", "Huyện Hoằng Hóa", "hoang-son"),
    ("Xã Hà Vinh", "Huyện Hà Trung", "bim-son"),
    ("Xã Thái Lai", "Huyện Hà Trung", "linh-toai"),
    ("Xã Ngư Lộc", "Huyện Hậu Lộc", "van-loc"),
    ("Xã Trí Nang", "Huyện Lang Chánh", "linh-son"),
    ("Xã Nga Điền", "Huyện Nga Sơn", "nga-an"),
    ("Xã Minh Tiến", "Huyện Ngọc Lặc", "minh-son"),
    ("Xã Cán Khê", "Huyện Như Thanh", "xuan-du"),
    ("Xã Bình Lương", "Huyện Như Xuân", "hoa-quy"),
    ("Xã Minh Khôi", "Huyện Nông Cống", "nong-cong"),
    ("Xã Hiền Chung", "Huyện Quan Hóa", "hien-kiet"),
    ("Xã Phú Nghiêm", "Huyện Quan Hóa", "hoi-xuan"),
    ("Xã Thiệu Lý", "Huyện Thiệu Hóa", "thieu-trung"),
    ("Xã Thiệu Duy", "Huyện Thiệu Hóa", "thieu-quang"),
    ("Xã Xuân Lẹ", "Huyện Thường Xuân", "xuan-chinh"),
    ("Xã Thành Trực", "Huyện Thạch Thành", "kim-tan"),
    ("Xã Xuân Hồng", "Huyện Thọ Xuân", "tho-xuan"),
    ("Xã Thọ Tân", "Huyện Triệu Sơn", "tho-phu"),
    ("Xã Vĩnh Tiến", "Huyện Vĩnh Lộc", "tay-do"),
    ("Xã Định Liên", "Huyện Yên Định", "yen-dinh"),
    ("Xã Yên Thái", "Huyện Yên Định", "yen-truong"),
    ("Phường Quảng Cư", "Thành phố Sầm Sơn", "sam-son"),
    ("Phường Hải Thượng", "Thị xã Nghi Sơn", "nghi-son"),
    ("Xã Tùng Lâm", "Thị xã Nghi Sơn", "truc-lam"),
    ("Phường Điện Biên", "Thành phố Thanh Hóa", "hac-thanh"),
    ("Phường Trường Thi", "Thành phố Thanh Hóa", "hac-thanh"),
    ("Phường Đông Vệ", "Thành phố Thanh Hóa", "hac-thanh"),
    ("Phường Tào Xuyên", "Thành phố Thanh Hóa", "nguyet-vien"),
    ("Phường Nam Ngạn", "Thành phố Thanh Hóa", "ham-rong"),
    ("Phường Quảng Thắng", "Thành phố Thanh Hóa", "dong-quang"),
    ("Phường Long Anh", "Thành phố Thanh Hóa", "nguyet-vien"),
    ("Thị trấn Phong Sơn", "Huyện Cẩm Thủy", "cam-thuy"),
    ("Thị trấn Lang Chánh", "Huyện Lang Chánh", "linh-son"),
    ("Thị trấn Bút Sơn", "Huyện Hoằng Hóa", "hoang-hoa"),
    ("Thị trấn Bến Sung", "Huyện Như Thanh", "nhu-thanh"),
    ("Thị trấn Quán Lào", "Huyện Yên Định", "yen-dinh"),
    ("Thị trấn Hậu Hiền", "Huyện Thiệu Hóa", "thieu-toan"),
    ("Thị trấn Yên Cát", "Huyện Như Xuân", "nhu-xuan"),
    ("Thị trấn Cành Nàng", "Huyện Bá Thước", "ba-thuoc"),
    ("Thị trấn Thống Nhất", "Huyện Yên Định", "yen-phu"),
    ("Thị trấn Hà Lĩnh", "Huyện Hà Trung", "tong-son"),
]
SHORTHAND = {"Xã": "x.", "Phường": "p.", "Thị trấn": "tt "}


def _short(name: str) -> tuple:
    for kind in ("Thị trấn", "Phường", "Xã"):
        if name.startswith(kind + " "):
            return kind, name[len(kind) + 1 :]
    raise AssertionError(name)


@pytest.mark.parametrize("old, district, slug", OLD_NAMES, ids=[o[0] for o in OLD_NAMES])
def test_an_old_name_in_a_sentence_maps_to_todays_unit(index, units, old, district, slug):
    kind, short = _short(old)
    unit = next(u for u in units if u.slug == slug)
    assert any(o.name == old and o.district == district for o in unit.old)  # the expectation agrees with the file
    sentences = [
        f"tôi ở {old} cũ, không đăng nhập được VNeID",
        f"Cho em hỏi, nhà em ở {kind.lower()} {short} trước đây thì giờ là xã nào ạ?",
        f"em o {SHORTHAND[kind]}{short} cu",
        f"quê tôi {short}, {district} cũ",
        f"{short.upper()}   {district.upper()}",
    ]
    for sentence in sentences:
        for typed in (sentence, plain(sentence)):
            match = index.find(typed)
            assert match is not None, typed
            assert (match.slug, match.name, match.old_name, match.old_district, match.candidates) == (
                slug,
                unit.name,
                old,
                district,
                (),
            ), typed
            assert plain(short) in plain(match.said)
    assert describe(index.find(f"{old} cũ")) == {"old": f"{kind.lower()} {short}", "new": _lower(unit.name)}


def _lower(name: str) -> str:
    kind, short = _short(name)
    return f"{kind.lower()} {short}"


def test_the_examples_of_the_brief(index):
    m = index.find("xa quang long cu")
    assert m == Match("quang-yen", "Xã Quảng Yên", "xa quang long", "Xã Quảng Long", "Huyện Quảng Xương", ())
    assert describe(m) == {"old": "xã Quảng Long", "new": "xã Quảng Yên"}
    m = index.find("tôi ở xa quang long cu")
    assert (m.slug, m.old_name) == ("quang-yen", "Xã Quảng Long")
    m = index.find("em o quang truong huyen quang xuong")
    assert (m.slug, m.old_name, m.old_district) == ("quang-chinh", "Xã Quảng Trường", "Huyện Quảng Xương")
    m = index.find("Phường Hạc Thành")
    assert (m.slug, m.name, m.old_name, m.said) == ("hac-thanh", "Phường Hạc Thành", None, "Phường Hạc Thành")
    assert describe(m) == {"old": None, "new": "phường Hạc Thành"}


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Phường Hạc Thành", "hac-thanh"),
        ("phuong hac thanh", "hac-thanh"),
        ("P.HẠC THÀNH", "hac-thanh"),
        ("f hac thanh", "hac-thanh"),
        ("tôi ở Hàm Rồng", "ham-rong"),
        ("xã Quảng Yên", "quang-yen"),
        ("toi o xa   Quang-Yen a", "quang-yen"),
        ("Tôi ở xã Mường Lát, giờ vẫn là Mường Lát à?", "muong-lat"),
        ("Nhà tôi ở phường Nam Sầm Sơn", "nam-sam-son"),
        ("phuong sam son", "sam-son"),
        ("xa dong tien", "dong-tien"),
        ("phường Đông Tiến", "phuong-dong-tien"),
        ("xã Thắng Lợi", "thang-loi"),
        ("xã Tân Thành", "tan-thanh"),
        ("tôi ở Tân Thành", "tan-thanh"),
        ("xã Quảng Ninh", "quang-ninh"),
        ("phường Quang Trung", "quang-trung"),
        ("Xã Đào Duy Từ", "dao-duy-tu"),
    ],
)
def test_current_names_match_directly(index, text, slug):
    m = index.find(text)
    assert m is not None and (m.slug, m.old_name, m.candidates) == (slug, None, ()), text


def test_a_current_name_wins_over_an_old_one_and_keeps_the_old_name(index):
    m = index.find("xã Quảng Long cũ nay là xã Quảng Yên phải không")
    assert (m.slug, m.old_name) == ("quang-yen", "Xã Quảng Long")
    # `Minh Sơn` is today's Xã Minh Sơn (the old one of Ngọc Lặc), and was also a commune of Triệu Sơn
    assert (index.find("xã Minh Sơn").slug, index.find("xã Minh Sơn").old_name) == ("minh-son", None)
    m = index.find("xã Minh Sơn huyện Triệu Sơn")
    assert (m.slug, m.old_name, m.old_district) == ("trieu-son", "Xã Minh Sơn", "Huyện Triệu Sơn")
    assert index.find("xa minh son h. ngoc lac").slug == "minh-son"


def test_a_district_word_names_a_district_not_a_unit(index):
    assert index.find("huyện Hà Trung") is None
    assert index.find("tôi ở huyen Quang Xuong") is None
    assert index.find("thị xã Nghi Sơn") is None
    assert index.find("ở xã Hà Vinh huyện Hà Trung").slug == "bim-son"


# ------------------------------------------------------------------------------------------------- ambiguity


@pytest.mark.parametrize(
    "text, candidates",
    [
        ("phường Ba Đình", {"bim-son", "hac-thanh"}),  # an old phường of both Bỉm Sơn and Thanh Hóa city
        ("phuong lam son", {"bim-son", "hac-thanh"}),
        ("xa xuan loc", {"hoa-loc", "thang-loc", "tho-phu"}),  # three old communes of that name
        ("xã Tân Phúc", {"dong-luong", "trung-chinh"}),
        ("Thị trấn Thiệu Hóa", {"thieu-hoa", "thieu-quang", "thieu-trung"}),  # divided
        ("tt ha trung", {"ha-trung", "hoat-giang"}),
        ("phường Đông Thọ", {"hac-thanh", "ham-rong"}),
        ("xã Luận Khê", {"luan-thanh", "tan-thanh"}),
        ("xa hoang quy", {"hoang-giang", "hoang-phu"}),  # Hoằng Quỳ and Hoằng Quý, told apart by the marks only
    ],
)
def test_an_ambiguous_old_name_gives_candidates(index, text, candidates):
    for typed in (text, plain(text)):
        m = index.find(f"nhà tôi ở {typed} cũ")
        assert (m.slug, m.name) == ("", "") and set(m.candidates) == candidates, typed
        assert describe(m)["new"] is None


@pytest.mark.parametrize(
    "text, slug",
    [
        ("phường Ba Đình thị xã Bỉm Sơn", "bim-son"),
        ("p. ba dinh tp thanh hoa", "hac-thanh"),
        ("xã Xuân Lộc huyện Hậu Lộc", "hoa-loc"),
        ("xa xuan loc, trieu son", "tho-phu"),
        ("xã Thanh Sơn, huyện Như Xuân", "thanh-quan"),
        ("xã Hoằng Quỳ", "hoang-giang"),
        ("xã Hoằng Quý", "hoang-phu"),
        ("xã Nga Thành", "ho-vuong"),
        ("xã Nga Thanh", "nga-son"),
        ("xã Thành Sơn huyện Bá Thước", "pu-luong"),
    ],
)
def test_the_district_or_the_marks_settle_an_ambiguous_name(index, text, slug):
    m = index.find(text)
    assert m is not None and (m.slug, m.candidates) == (slug, ()), text
    assert m.old_name


def test_marks_as_typed_tell_thanh_from_thanh(index):
    # Xã Thanh Sơn (Nghi Sơn, Như Xuân) and Xã Thành Sơn (Quan Hóa, Bá Thước): four old communes
    assert set(index.find("xã Thanh Sơn").candidates) == {"ngoc-son", "thanh-quan"}
    assert set(index.find("xã Thành Sơn").candidates) == {"trung-thanh", "pu-luong"}
    assert set(index.find("xa thanh son").candidates) == {"ngoc-son", "thanh-quan", "trung-thanh", "pu-luong"}


def test_lookup_lists_every_unit_a_name_could_mean(index):
    assert [m.slug for m in index.lookup("Minh Sơn")] == ["minh-son", "trieu-son"]
    assert index.lookup("Minh Sơn")[1].old_district == "Huyện Triệu Sơn"
    assert {m.slug for m in index.lookup("xã Xuân Lộc")} == {"hoa-loc", "thang-loc", "tho-phu"}
    assert [m.slug for m in index.lookup("Xã Xuân Lộc, huyện Thường Xuân")] == ["thang-loc"]
    assert [(m.slug, m.old_name) for m in index.lookup("Quảng Long")] == [("quang-yen", "Xã Quảng Long")]
    assert [m.slug for m in index.lookup("Thành Công")] == ["van-du"]  # no kind word needed in a name field
    assert index.lookup("Hà Nội") == [] and index.lookup("") == []


def test_extra_names_of_a_unit_or_of_a_commune_not_in_the_file(units):
    index = NameIndex(units, extra={"quang-yen": ["Quảng Yên mới"], "xa-thu-nghiem": ["Xã Thử Nghiệm"]})
    assert index.find("tôi ở Quảng Yên mới").slug == "quang-yen"
    m = index.find("tôi ở xã thu nghiem")
    assert (m.slug, m.name) == ("xa-thu-nghiem", "Xã Thử Nghiệm")
    assert NameIndex(units).find("tôi ở xã thu nghiem") is None


# ---------------------------------------------------------------------------------------------- no unit named

ORDINARY = [
    "tôi không nhận được mã OTP",
    "hôm nay trời mưa to",
    "quang",
    "long",
    "Quảng",
    "xã",
    "phường",
    "đăng nhập thành công rồi, cảm ơn",
    "đóng tiền điện qua app ngân hàng được không",
    "Chiều nay đội văn nghệ tập ở sân nhà văn hóa.",
    "Mưa lớn kéo dài khiến nhiều tuyến đường ở trung tâm thành phố ngập sâu.",
    "mẹ tôi 60 tuổi mà chưa đủ năm đóng bảo hiểm thì có lương hưu không",
    "Tỉnh khai trương trung tâm điều hành thông minh.",
    "tôi muốn đăng nhập dịch vụ công tỉnh Thanh Hóa",
    "Từ Thanh Hóa đi Ninh Bình bằng xe gì tiện?",
    "tôi hoàn toàn tán thành, yên tâm rồi",
    "thôi không hỏi nữa",
    "nhà tôi ở đường Quang Trung",
    "tôi làm ở Quảng Ninh",
    "mật khẩu phải có chữ hoa, chữ thường và số",
    "Vụ đông năm nay bà con chuyển sang trồng ngô sinh khối.",
    "Giá thanh long xuất khẩu sang Trung Quốc tăng trở lại.",
    "ứng dụng báo lỗi không xác thực được khuôn mặt",
    "số căn cước của tôi đã tích hợp chưa",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_an_ordinary_sentence_names_no_unit(index, text):
    assert index.find(text) is None
    assert index.find(plain(text)) is None
    assert index.find(text.upper()) is None


def test_an_ordinary_word_name_counts_with_a_kind_word_or_a_district(index):
    assert index.find("dang nhap thanh cong") is None
    assert index.find("xa thanh cong").slug == "van-du"
    assert index.find("thanh cong huyen thach thanh").slug == "van-du"
    assert index.find("tôi ở thị trấn Nưa").slug == "tan-ninh"


def test_a_long_message_is_read_to_its_end(index):
    message = ("tôi không nhận được mã OTP khi đăng nhập dịch vụ công, đã thử nhiều lần rồi. " * 30)[:1950]
    assert index.find(message) is None
    m = index.find(message + " tôi ở xã Quảng Long cũ")
    assert (m.slug, m.old_name) == ("quang-yen", "Xã Quảng Long")
    assert index.find("") is None and index.find("   ") is None and index.lookup("!!!") == []
