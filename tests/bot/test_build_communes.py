"""content/communes/thanh-hoa.yml is what tools/build_communes.py writes from underthesea's address mapping, and the
matcher's list of names that are ordinary words (gateway/communes/names.py) covers underthesea's word list.

Runs in the bot environment (underthesea lives there); gateway/communes is imported under a bare `gateway` package,
since the real one's __init__ needs Flask, which this environment does not have.
"""

from __future__ import annotations

import importlib
import json
import sys
import types
import unicodedata
from pathlib import Path

import pytest

underthesea = pytest.importorskip("underthesea")

from tools import build_communes  # noqa: E402
from vntext.normalize import fold, strip_diacritics  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
WORDS = Path(underthesea.__file__).resolve().parent / "corpus" / "data" / "Viet22K.txt"


@pytest.fixture(scope="module")
def names():
    package = types.ModuleType("gateway")
    package.__path__ = [str(ROOT / "gateway")]
    saved = {name: sys.modules.pop(name) for name in list(sys.modules) if name.split(".")[0] == "gateway"}
    sys.modules["gateway"] = package
    try:
        yield importlib.import_module("gateway.communes.names")
    finally:
        for name in [name for name in sys.modules if name.split(".")[0] == "gateway"]:
            del sys.modules[name]
        sys.modules.update(saved)


@pytest.fixture(scope="module")
def mapping():
    return json.loads(build_communes.default_mapping_path().read_text(encoding="utf-8"))


def test_the_committed_file_is_what_the_tool_writes(mapping):
    text, figures = build_communes.build(mapping, build_communes.underthesea_version())
    assert (ROOT / "content/communes/thanh-hoa.yml").read_text(encoding="utf-8") == text, (
        "run: .venv-bot/bin/python -m tools.build_communes"
    )
    assert (figures["records"], figures["units"], figures["old"]) == (558, 166, 558)
    assert [(slug, name) for slug, name, _ in figures["collisions"]] == [("dong-tien", "Phường Đông Tiến")]


def test_empty_old_names_are_rebuilt_from_their_keys(mapping):
    _, figures = build_communes.build(mapping, "test")
    rebuilt = dict(figures["rebuilt"])
    assert len(rebuilt) == 14
    assert rebuilt["xãvĩnhhùng"] == "Xã Vĩnh Hùng"
    assert rebuilt["xãhoằngquỳ"] == "Xã Hoằng Quỳ" and rebuilt["xãhoằngquý"] == "Xã Hoằng Quý"
    for key, name in rebuilt.items():  # the name spells the key back
        assert unicodedata.normalize("NFC", name.replace(" ", "").lower()) == unicodedata.normalize("NFC", key)


def test_slugs(mapping):
    assert build_communes.slugify("Quảng Yên") == "quang-yen"
    assert build_communes.slugify("Đào Duy Từ") == "dao-duy-tu"
    assert build_communes.rebuild_name("xãquảnglong", {"quảng", "long", "lo", "ng"}) == "Xã Quảng Long"


def _unit_names(names_module) -> set:
    units = names_module.load_units()
    out = {u.short for u in units}
    for u in units:
        for o in u.old:
            out.add(names_module.split_kind(o.name)[1])
    return out


def test_every_name_that_is_an_ordinary_word_is_listed(names):
    """Viet22K's lowercase multi-word entries (ordinary words, not proper names) that a unit's name spells, with or
    without its marks, are in ORDINARY_WORDS; each alone names no unit, and with a kind word it does."""
    words = {}
    for line in WORDS.read_text(encoding="utf-8").splitlines():
        word = unicodedata.normalize("NFC", line.strip())
        if " " in word and word == word.lower():
            words.setdefault(fold(word), set()).add(word)
    listed = {names.pattern(w) for w in names.ORDINARY_WORDS}
    index = names.NameIndex(names.load_units())
    found = []
    for name in sorted(_unit_names(names)):
        for word in sorted(words.get(fold(name), ())):
            found.append((name, word))
            assert names.pattern(word) in listed, (name, word)
            assert index.find(f"{word}.") is None, word
            assert index.find(strip_diacritics(f"{word}.")) is None, word
        if fold(name) in words:
            assert (
                index.find(f"tôi ở xã {name}")
                or index.find(f"tôi ở phường {name}")
                or index.find(f"tôi ở thị trấn {name}")
            ), name
    assert len(found) > 50  # the list is not trivially covered


def test_names_of_provinces_need_a_kind_word(names, mapping):
    provinces = {
        fold(p["short"]): p["short"]
        for group in ("province_names", "old_province_names")
        for p in mapping[group].values()
    }
    listed = {names.pattern(w)[0] for w in names.ORDINARY_WORDS}
    index = names.NameIndex(names.load_units())
    clash = sorted(n for n in _unit_names(names) if fold(n) in provinces)
    assert clash  # Quảng Bình, Quảng Ninh, Vĩnh Phúc, …
    for name in clash:
        assert tuple(fold(name).split()) in listed, name
        assert index.find(f"tôi đi {provinces[fold(name)]} hôm qua") is None, name
