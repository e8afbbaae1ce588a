"""The communes one installation serves (the tenants): finding one by slug, id or Zalo OA, adding and importing
them, and the words a commune's citizens read about it (`fields`: name, hotline, hours, address, portal).

A commune's hotline or hours that it has not filled in are "chưa xác nhận" (unconfirmed): its citizens are given
the province's line (content/guide.yml `province:`), never a number made up from another commune's.

The table is small (166 rows for Thanh Hóa) and read on every message: `Registry` keeps it in memory and reads
it again at most every few seconds (at once after a change made in this process).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

import content
from vntext import normalize
from gateway.models import Commune

PORTALS = ("provincial", "national", "both")
KINDS = ("xa", "phuong")  # xã | phường, as codes (their words: content/staff.yml `commune_kinds`)
# what a commune fills in (console: Xã/phường); every other key of Commune.settings is refused
SETTING_KEYS = ("hotline", "hotline_tel", "address", "working_hours", "portal")


class CommuneError(ValueError):
    """A refusal with a code (its words: content/staff.yml `communes`)."""

    def __init__(self, code: str, **fields: Any) -> None:
        super().__init__(code)
        self.code, self.fields = code, fields


@dataclass(frozen=True)
class CommuneInfo:
    """A commune as the request path needs it (a copy, safe to share between threads)."""

    id: int
    slug: str
    name: str  # "Xã Quảng Yên"
    kind: str
    settings: Dict[str, Any] = field(default_factory=dict)
    old_names: Tuple[str, ...] = ()
    zalo_oa_id: Optional[str] = None
    active: bool = True

    @property
    def short_name(self) -> str:
        """The name inside a sentence: "xã Quảng Yên"."""
        return self.name[:1].lower() + self.name[1:]

    def confirmed(self, key: str) -> bool:
        """Whether the commune filled this setting in (else it reads "chưa xác nhận" to staff)."""
        return bool(str(self.settings.get(key) or "").strip())


def fields(info: CommuneInfo, guide: content.Guide) -> Dict[str, Any]:
    """What `{commune.*}` reads for this commune's citizens: its own settings over the province's defaults
    (content/guide.yml `province:`, whose `commune_words` make a name, an address, … from the commune's name)."""
    province = guide.guide.get("province") or {}
    words = province.get("commune_words") or {}
    own = info.settings
    portals = province.get("portals") or {}
    portal = own.get("portal") if own.get("portal") in PORTALS else province.get("portal", "provincial")
    shown = portals.get("national" if portal == "national" else "provincial") or {}
    national = portals.get("national") or {}
    names = {"short_name": info.short_name, "province": province.get("name", "")}

    def word(key: str, default: str = "", **more: Any) -> str:
        return content.render(words[key], {**names, **more}) if words.get(key) else default

    out: Dict[str, Any] = {
        "slug": info.slug,
        "name": word("name", info.name),
        "short_name": info.short_name,
        "province": names["province"] or guide.guide["commune"].get("province", ""),
        "address": own.get("address") or word("address", info.name),
        "working_hours": own.get("working_hours")
        or province.get("working_hours")
        or guide.guide["commune"].get("working_hours", ""),
        "portal": portal,
        "portal_url": shown.get("url", ""),
        "portal_host": shown.get("host", ""),
        "portal_name": shown.get("name", ""),
        "national_portal": national.get("host", ""),
        "merged_note": "",
    }
    if portal == "both" and national.get("host"):
        out["portal_host"] = word(
            "portal_both", shown.get("host", ""), provincial=shown.get("host", ""), national=national["host"]
        )
    if info.confirmed("hotline"):
        out["hotline"] = own["hotline"]
        out["hotline_tel"] = own.get("hotline_tel") or "".join(c for c in own["hotline"] if c.isdigit())
    else:
        out["hotline"] = province.get("hotline", "")
        out["hotline_tel"] = province.get("hotline_tel", "")
    merged = [n for n in info.old_names if n.casefold() != info.name.casefold()]
    if merged:
        out["merged_note"] = word("merged_note", old_names=", ".join(merged))
    return out


def _info(row: Commune) -> CommuneInfo:
    return CommuneInfo(
        id=row.id,
        slug=row.slug,
        name=row.name,
        kind=row.kind,
        settings=dict(row.settings or {}),
        old_names=tuple(row.old_names or ()),
        zalo_oa_id=row.zalo_oa_id,
        active=row.active,
    )


class Registry:
    """Every commune of the installation, in memory, read again at most every `max_age_s`."""

    def __init__(self, db, default_slug: str, max_age_s: float = 5.0) -> None:
        """`db`: the gateway's Database; `default_slug`: the commune of a message that names none."""
        self.db = db
        self.default_slug = default_slug
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._at = float("-inf")
        self._by_slug: Dict[str, CommuneInfo] = {}
        self._by_id: Dict[int, CommuneInfo] = {}
        self._by_oa: Dict[str, CommuneInfo] = {}
        self._hotlines: List[str] = []  # every commune's own published numbers, read with the rows

    def _fresh(self) -> None:
        if time.monotonic() - self._at < self.max_age_s:
            return
        with self._lock:
            if time.monotonic() - self._at < self.max_age_s:
                return
            with self.db.session() as session:
                rows = [_info(r) for r in session.scalars(select(Commune))]
            self._by_slug = {c.slug: c for c in rows}
            self._by_id = {c.id: c for c in rows}
            self._by_oa = {c.zalo_oa_id: c for c in rows if c.zalo_oa_id}
            self._hotlines = [c.settings[k] for c in rows for k in ("hotline", "hotline_tel") if c.settings.get(k)]
            self._at = time.monotonic()

    def changed(self) -> None:
        """Read the table again on next use (after this process changed it)."""
        self._at = float("-inf")

    def by_slug(self, slug: Optional[str]) -> Optional[CommuneInfo]:
        """The active commune of this slug, or None."""
        self._fresh()
        info = self._by_slug.get(slug or "")
        return info if info is not None and info.active else None

    def by_id(self, commune_id: Optional[int]) -> Optional[CommuneInfo]:
        """The commune of this id (active or not: its conversations still need its name), or None."""
        if commune_id is None:
            return None
        self._fresh()
        return self._by_id.get(commune_id)

    def by_oa(self, oa_id: Optional[str]) -> Optional[CommuneInfo]:
        """The active commune whose own Zalo Official Account this is, or None."""
        self._fresh()
        info = self._by_oa.get(str(oa_id or ""))
        return info if info is not None and info.active else None

    def default(self) -> Optional[CommuneInfo]:
        """The installation's default commune (DEFAULT_COMMUNE), or None if it does not exist."""
        return self.by_slug(self.default_slug)

    def resolve(self, slug: Any) -> Optional[CommuneInfo]:
        """The commune a message names (`metadata.commune`), the default one when it names none; None when it
        names one that does not exist (the caller answers 400, never another commune's answers)."""
        if slug is None or slug == "":
            return self.default()
        return self.by_slug(slug) if isinstance(slug, str) else None

    def all(self) -> List[CommuneInfo]:
        """Every commune, by name."""
        self._fresh()
        return sorted(self._by_slug.values(), key=lambda c: c.name)

    def hotlines(self) -> List[str]:
        """Every commune's own published number (kept as they are by the privacy filter). The same list object
        until the table is read again, so a caller may cache what it derives from it by identity."""
        self._fresh()
        return self._hotlines


def slug_error(slug: str) -> Optional[str]:
    """Why a slug cannot be used, or None."""
    return None if content.SLUG.match(slug or "") else "bad_slug"


def add(
    session: Session,
    slug: str,
    name: str,
    kind: Optional[str] = None,
    old_names: Iterable[str] = (),
    settings: Optional[Dict[str, Any]] = None,
) -> Commune:
    """Create a commune (CommuneError `bad_slug`, `bad_name`, `exists`); the caller commits and audits."""
    slug = (slug or "").strip()
    name = " ".join((name or "").split())
    if slug_error(slug):
        raise CommuneError("bad_slug", slug=slug)
    if not 3 <= len(name) <= 128:
        raise CommuneError("bad_name")
    kind = normalize.strip_diacritics(kind or name.split(" ", 1)[0]).casefold()
    if kind not in KINDS:
        raise CommuneError("bad_kind", kind=kind)
    if session.scalar(select(Commune.id).where(Commune.slug == slug)) is not None:
        raise CommuneError("exists", slug=slug)
    row = Commune(
        slug=slug, name=name, kind=kind, settings=dict(settings or {}), old_names=list(old_names), active=True
    )
    session.add(row)
    session.flush()
    return row


def import_units(session: Session, units: Iterable[Dict[str, Any]]) -> Tuple[int, int]:
    """Add every unit of the province's data file that is not there yet; (added, already there). An existing
    commune keeps its settings; its old names are completed from the file."""
    existing = {row.slug: row for row in session.scalars(select(Commune))}
    added = kept = 0
    for unit in units:
        olds = [str(o.get("name")) for o in unit.get("old") or [] if isinstance(o, dict) and o.get("name")]
        row = existing.get(unit["slug"])
        if row is not None:
            row.old_names = list(dict.fromkeys([*(row.old_names or []), *olds]))
            kept += 1
            continue
        add(session, unit["slug"], unit["name"], unit.get("kind"), olds)
        added += 1
    return added, kept


def data_file() -> Path:
    """The province's units, derived offline (tools/build_communes.py): content/communes/thanh-hoa.yml."""
    return Path(content.content_dir()) / "communes" / "thanh-hoa.yml"


def read_units(path: Optional[Path] = None) -> List[Dict[str, Any]]:
    """The units of the data file: [{"slug", "name", "kind", "short", "old": [{"name", "district", "type"}]}]."""
    import yaml

    data = yaml.safe_load(Path(path or data_file()).read_text(encoding="utf-8")) or {}
    return [u for u in data.get("communes") or [] if isinstance(u, dict) and u.get("slug") and u.get("name")]


def update_settings(session: Session, commune_id: int, changes: Dict[str, Any]) -> Commune:
    """Set or clear (empty value) some of a commune's own settings; CommuneError for unknown keys or values."""
    row = session.get(Commune, commune_id)
    if row is None:
        raise CommuneError("unknown")
    settings = dict(row.settings or {})
    for key, value in changes.items():
        if key not in SETTING_KEYS:
            raise CommuneError("bad_setting", key=key)
        value = " ".join(str(value or "").split())[:200]
        if key == "portal" and value and value not in PORTALS:
            raise CommuneError("bad_portal", portal=value)
        if value:
            settings[key] = value
        else:
            settings.pop(key, None)
    if "hotline" in changes and "hotline_tel" not in changes:
        digits = "".join(c for c in settings.get("hotline", "") if c.isdigit())
        settings["hotline_tel"] = digits
        if not digits:
            settings.pop("hotline_tel", None)
    row.settings = settings
    return row
