"""Thanh Hóa's commune-level units as content/communes/thanh-hoa.yml lists them (written by tools/build_communes.py):
today's units, each with the old units merged, divided or renamed into it on 01/07/2025; and the parts of an
official name (its kind, `Xã `, before the short name; a district's kind before its name).

Pure Python (stdlib, PyYAML); the file is read at first use, then again only when it changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "content" / "communes" / "thanh-hoa.yml"

_KIND_PREFIXES = (("Thị trấn ", "thị trấn"), ("Phường ", "phường"), ("Xã ", "xã"))
_DISTRICT_PREFIXES = ("Huyện ", "Thị xã ", "Thành phố ")


@dataclass(frozen=True)
class OldUnit:
    name: str  # "Xã Quảng Long"
    district: str  # "Huyện Quảng Xương"
    type: str  # merged | divided | renamed | unchanged


@dataclass(frozen=True)
class Unit:
    slug: str
    name: str  # "Xã Quảng Yên"
    kind: str  # xã | phường
    short: str  # "Quảng Yên"
    old: tuple  # OldUnit, …


_cache: Dict[Path, Tuple[int, List[Unit]]] = {}
_cache_lock = threading.Lock()


def load_units(path: Optional[Path] = None) -> List[Unit]:
    """The units of the file (default content/communes/thanh-hoa.yml), read once per path and modification time."""
    path = Path(path or DEFAULT_PATH).resolve()
    mtime = path.stat().st_mtime_ns
    with _cache_lock:
        hit = _cache.get(path)
        if hit and hit[0] == mtime:
            return list(hit[1])
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    units = [
        Unit(
            slug=str(c["slug"]),
            name=str(c["name"]),
            kind=str(c["kind"]),
            short=str(c["short"]),
            old=tuple(
                OldUnit(str(o["name"]), str(o.get("district") or ""), str(o.get("type") or ""))
                for o in c.get("old") or ()
            ),
        )
        for c in data.get("communes") or ()
    ]
    with _cache_lock:
        _cache[path] = (mtime, units)
    return list(units)


def split_kind(name: str) -> Tuple[Optional[str], str]:
    """`Xã Quảng Long` → ("xã", "Quảng Long"); a name without a kind prefix → (None, the name)."""
    for prefix, kind in _KIND_PREFIXES:
        if name.lower().startswith(prefix.lower()):
            return kind, name[len(prefix) :].strip()
    return None, name.strip()


def district_short(district: str) -> str:
    """`Huyện Quảng Xương` → `Quảng Xương`."""
    for prefix in _DISTRICT_PREFIXES:
        if district.startswith(prefix):
            return district[len(prefix) :]
    return district


def lower_kind(name: Optional[str]) -> Optional[str]:
    """`Xã Quảng Yên` → `xã Quảng Yên` (as inside a sentence)."""
    if not name:
        return None
    for prefix, kind in _KIND_PREFIXES:
        if name.startswith(prefix):
            return kind + " " + name[len(prefix) :]
    return name
