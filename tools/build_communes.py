"""Write content/communes/thanh-hoa.yml: Thanh Hóa's 166 commune-level units since 01/07/2025 and the old units
merged, divided or renamed into each, from the address mapping underthesea ships (offline, no network).

    .venv-bot/bin/python -m tools.build_communes [MAPPING_JSON] [--out PATH] [--check]

MAPPING_JSON defaults to underthesea/address/data/mapping.json of the installed underthesea. The written file is
read at run time without underthesea (gateway/communes/names.py, PyYAML only); commit it. `--check` writes
nothing and exits 1 when the committed file differs from what would be written.

Two repairs of the source, both deterministic and listed in the file's header:
- a few records have an empty `old_ward` and only a key with marks but no spaces (`xãvĩnhhùng`); the name is
  rebuilt by splitting the key into syllables seen in the other names of the whole mapping (`Xã Vĩnh Hùng`);
- a slug (ASCII, lowercase, hyphens, from the short name) that two units would share stays with the xã; the
  phường gets its kind as a prefix (`Phường Đông Tiến` → `phuong-dong-tien`, `Xã Đồng Tiến` → `dong-tien`).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "content" / "communes" / "thanh-hoa.yml"
PROVINCE_KEY = "tinhthanhhoa"
KINDS = (("Thị trấn ", "thị trấn"), ("Phường ", "phường"), ("Xã ", "xã"))  # old units may be thị trấn too


def default_mapping_path() -> Path:
    import underthesea  # the bot environment's; only this tool needs it

    return Path(underthesea.__file__).resolve().parent / "address" / "data" / "mapping.json"


def underthesea_version() -> str:
    try:
        import underthesea

        return str(getattr(underthesea, "__version__", "?"))
    except ImportError:  # a mapping file given by path, no underthesea installed
        return "?"


def ascii_fold(text: str) -> str:
    """`Quảng Yên` → `quang yen`."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def slugify(short: str) -> str:
    return "-".join(ascii_fold(short).split())


def split_kind(name: str) -> Tuple[str, str]:
    """`Xã Quảng Yên` → ("xã", "Quảng Yên")."""
    for prefix, kind in KINDS:
        if name.startswith(prefix):
            return kind, name[len(prefix) :].strip()
    raise ValueError(f"unit name without a kind: {name!r}")


def _syllables(records: Iterable[dict]) -> set:
    """Every syllable (lowercase, NFC) of every unit name in the mapping: the vocabulary for rebuilding names."""
    out = set()
    for r in records:
        for field in ("old_ward", "new_ward", "old_district"):
            for word in unicodedata.normalize("NFC", r.get(field) or "").lower().split():
                out.add(word)
    return out


def rebuild_name(key: str, syllables: set) -> Optional[str]:
    """`xãvĩnhhùng` → `Xã Vĩnh Hùng`: the fewest known syllables that spell the key; None if none do."""
    key = unicodedata.normalize("NFC", key).lower()
    for prefix, kind in (("thịtrấn", "Thị trấn"), ("phường", "Phường"), ("xã", "Xã")):
        if key.startswith(prefix):
            rest, head = key[len(prefix) :], kind
            break
    else:
        return None

    @functools.lru_cache(maxsize=None)
    def best(i: int) -> Optional[Tuple[str, ...]]:
        if i == len(rest):
            return ()
        options = []
        for j in range(len(rest), i, -1):
            if rest[i:j] in syllables:
                tail = best(j)
                if tail is not None:
                    options.append((rest[i:j],) + tail)
        return min(options, key=len) if options else None

    words = best(0)
    if not words:
        return None
    return " ".join([head] + [w[:1].upper() + w[1:] for w in words])


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's quoting is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def build(mapping: dict, version: str) -> Tuple[str, dict]:
    """The file's text and figures about it."""
    meta = mapping.get("metadata", {})
    province = mapping["province_names"][PROVINCE_KEY]
    everything = mapping["ward_mapping"]
    records = [r for r in everything if r["new_province_key"] == PROVINCE_KEY]
    syllables = _syllables(everything)

    rebuilt: List[Tuple[str, str]] = []
    units: Dict[str, dict] = {}
    for r in records:
        name = unicodedata.normalize("NFC", r["new_ward"])
        kind, short = split_kind(name)
        unit = units.setdefault(name, {"name": name, "kind": kind, "short": short, "old": []})
        old_name = unicodedata.normalize("NFC", r["old_ward"] or "")
        if not old_name:
            old_name = rebuild_name(r["old_ward_key"], syllables) or ""
            if not old_name:
                raise ValueError(f"cannot rebuild an old unit's name from {r['old_ward_key']!r}")
            rebuilt.append((r["old_ward_key"], old_name))
        entry = (old_name, unicodedata.normalize("NFC", r["old_district"]), r["mapping_type"])
        if entry not in unit["old"]:
            unit["old"].append(entry)

    by_slug: Dict[str, List[dict]] = defaultdict(list)
    for unit in units.values():
        by_slug[slugify(unit["short"])].append(unit)
    collisions = []
    for slug, same in by_slug.items():
        for unit in same:
            if len(same) > 1 and unit["kind"] != "xã":  # the xã (the usual kind) keeps the plain slug
                unit["slug"] = slugify(unit["kind"]) + "-" + slug
                collisions.append((slug, unit["name"], unit["slug"]))
            else:
                unit["slug"] = slug
    if len({u["slug"] for u in units.values()}) != len(units):
        raise ValueError("slugs still collide after prefixing the kind")

    effective = meta.get("effective_date", "2025-07-01")
    source = (
        f"underthesea {version} underthesea/address/data/mapping.json "
        f"({meta.get('source', '?')} {meta.get('version', '?')}), Resolution 1686/NQ-UBTVQH15"
    )
    lines = [
        f"# generated by tools/build_communes.py from underthesea {version} address mapping "
        f"({meta.get('source', '?')} {meta.get('version', '?')}, effective {effective}); do not edit by hand",
        f"# {len(units)} units ({sum(u['kind'] == 'xã' for u in units.values())} xã, "
        f"{sum(u['kind'] == 'phường' for u in units.values())} phường) from {len(records)} records; "
        "`old` lists every old unit (type merged | divided | renamed | unchanged) now part of the unit",
    ]
    if collisions:
        lines.append(
            "# slug collisions (the xã keeps the slug, the phường gets a prefix): "
            + "; ".join(f"{s} -> {new} ({name})" for s, name, new in collisions)
        )
    else:
        lines.append("# slug collisions: none")
    if rebuilt:
        lines.append(
            "# old names rebuilt from a key (old_ward empty in the source): "
            + "; ".join(f"{k} -> {n}" for k, n in rebuilt)
        )
    lines += [
        f"province: {{name: {q(province['name'])}, short: {q(province['short'])}, code: {q(province['code'])}}}",
        f"effective_date: {q(effective)}",
        f"source: {q(source)}",
        "communes:",
    ]
    for unit in sorted(units.values(), key=lambda u: u["slug"]):
        lines += [
            f"  - slug: {unit['slug']}",
            f"    name: {q(unit['name'])}",
            f"    kind: {unit['kind']}",
            f"    short: {q(unit['short'])}",
            "    old:",
        ]
        for old_name, district, kind in sorted(unit["old"], key=lambda e: (ascii_fold(e[1]), ascii_fold(e[0]), e)):
            lines.append(f"      - {{name: {q(old_name)}, district: {q(district)}, type: {kind}}}")
    figures = {
        "records": len(records),
        "units": len(units),
        "collisions": collisions,
        "rebuilt": rebuilt,
        "old": sum(len(u["old"]) for u in units.values()),
    }
    return "\n".join(lines) + "\n", figures


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mapping", nargs="?", type=Path, help="underthesea's address/data/mapping.json")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs; write nothing")
    args = parser.parse_args(argv)
    path = args.mapping or default_mapping_path()
    text, figures = build(json.loads(path.read_text(encoding="utf-8")), underthesea_version())
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'differs from ' + str(path)}")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(
        f"{args.out}: {figures['units']} units, {figures['old']} old units from {figures['records']} records; "
        f"{len(figures['collisions'])} slug collisions; {len(figures['rebuilt'])} names rebuilt"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
