"""The content files, loaded and reloaded when they change: the guide (content/guide.yml, content/messages.yml),
which is everything a citizen reads, the catalogue of the messages the screens show (content/errors.yml, read by
the bot's understanding and its actions), and the staff consoles' words (content/staff.yml).

This module only finds, caches and fills them in.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import yaml

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent
_FIELD = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\}")


def content_dir() -> Path:
    """The content folder: `CONTENT_DIR` from the environment, or the repository's `content/`."""
    return Path(os.environ.get("CONTENT_DIR") or DEFAULT_CONTENT_DIR)


def overrides_path() -> Path:
    """The commune's edits made in the console: `CONTENT_OVERRIDES`, default `var/content-overrides.yml`.

    Kept apart from the files in git so an upgrade never overwrites them. Format: {"guide": {path: value},
    "messages": {path: value}, "errors": {path: value}} where a path is dotted keys and list indexes, e.g.
    `flows.A.steps.2.text` or `errors.qr_expired.text`; a new error entry is a path one level under `errors`.
    """
    return Path(os.environ.get("CONTENT_OVERRIDES") or DEFAULT_CONTENT_DIR.parent / "var" / "content-overrides.yml")


SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")  # a commune's slug (gateway/services/communes.py)


def commune_overrides_path(overrides: Path, slug: str) -> Path:
    """Where one commune's own edits live, beside the province's: `var/content-overrides.d/<slug>.yml` for the
    default overrides file. ValueError for anything but a slug (the slug comes from a message's metadata)."""
    if not SLUG.match(slug or ""):
        raise ValueError(f"not a commune slug: {slug!r}")
    return overrides.with_name(overrides.stem + ".d") / f"{slug}.yml"


def set_path(data: Any, path: str, value: Any) -> None:
    """Set `value` at a dotted path of dict keys and list indexes (the path must exist up to its parent)."""
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def get_path(data: Any, path: str) -> Any:
    """The value at a dotted path (KeyError/IndexError if missing)."""
    node = data
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def render(template: str, context: Dict[str, Any]) -> str:
    """Fill `{name}` and `{section.name}` fields from nested dicts; unknown fields are left as they are."""

    def lookup(match: "re.Match[str]") -> str:
        value: Any = context
        for part in match.group(1).split("."):
            if not isinstance(value, dict) or part not in value:
                return match.group(0)
            value = value[part]
        return str(value)

    return _FIELD.sub(lookup, template)


@dataclass(frozen=True)
class Guide:
    """One consistent snapshot of the guide and message files."""

    guide: Dict[str, Any]
    messages: Dict[str, Any]
    errors: Dict[str, Any] = field(default_factory=dict)  # content/errors.yml (empty when the file is absent)
    # the commune this guide speaks for (its settings, gateway/services/communes.py `fields`), over `commune:`
    commune_fields: Dict[str, Any] = field(default_factory=dict)

    @property
    def commune(self) -> Dict[str, Any]:
        """Commune settings: name, hotline, working hours, portal (the guide's defaults under the commune's own)."""
        if not self.commune_fields:
            return self.guide["commune"]
        return {**self.guide["commune"], **self.commune_fields}

    def with_commune(self, fields: Optional[Dict[str, Any]]) -> "Guide":
        """The same guide speaking for one commune (shares the loaded files: cheap)."""
        return replace(self, commune_fields=dict(fields)) if fields else self

    def flow(self, code: str) -> Dict[str, Any]:
        """A flow (`A` or `B`) with its steps."""
        return self.guide["flows"][code]

    def steps(self, flow: str) -> List[Dict[str, Any]]:
        """The steps of a flow, in order (step numbers are 1-based positions)."""
        return self.flow(flow)["steps"]

    def step(self, flow: str, number: int) -> Dict[str, Any]:
        """Step `number` (1-based) of a flow."""
        return self.steps(flow)[number - 1]

    def problem(self, code: str) -> Optional[Dict[str, Any]]:
        """The catalogue entry of a problem code, or None if unknown."""
        return self.guide["problems"].get(code)

    def problem_codes(self) -> List[str]:
        """All problem codes, in catalogue order."""
        return list(self.guide["problems"])

    def buttons(self, name: str) -> List[Dict[str, str]]:
        """A named button set from messages.yml (copies, safe to change)."""
        return [dict(b) for b in self.messages["buttons"][name]]

    def text(self, key: str, **context: Any) -> str:
        """A message from messages.yml, filled with the commune settings and the given fields."""
        return render(self.messages["text"][key], {"commune": self.commune, **context})

    def fill(self, template: str, **context: Any) -> str:
        """Fill any content text (a step, a remedy line) with the commune settings and fields."""
        return render(template, {"commune": self.commune, **context})

    def illustration_url(self, name: Optional[str]) -> Optional[str]:
        """The path the gateway serves a step illustration under, or None."""
        if not name:
            return None
        return self.guide.get("illustrations_path", "/illustrations/") + name

    def secret_kind(self, kind: str) -> str:
        """How a kind of secret is named to the citizen."""
        return self.messages["secret_kinds"].get(kind, kind)

    def error(self, key: str) -> Optional[Dict[str, Any]]:
        """An entry of the error-message catalogue (content/errors.yml `errors`), or None."""
        entry = (self.errors.get("errors") or {}).get(key)
        return entry if isinstance(entry, dict) else None


class _Snapshot:
    """The value last built from some files, built again when one of them changed (modification time or size)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: Optional[tuple] = None
        self._value: Any = None

    def get(self, files: List[Path], build: Callable[[], Any]) -> Any:
        """The cached value if none of `files` changed since it was built, else `build()`."""
        key = tuple(_stamp(f) for f in files)
        with self._lock:
            if self._key != key:
                self._value, self._key = build(), key
            return self._value


_guides: Dict[Optional[str], _Snapshot] = {}  # per commune (None: the province's guide): the last files read
_guides_lock = threading.Lock()
_staff = _Snapshot()
_errors = _Snapshot()


def _stamp(path: Path) -> tuple:
    try:
        stat = os.stat(path)
        return (path, stat.st_mtime_ns, stat.st_size)
    except FileNotFoundError:
        return (path, None, None)


# Paths are looked at several times per message: built once.
@functools.lru_cache(maxsize=64)
def _guide_files(directory: Path) -> tuple:
    return (directory / "guide.yml", directory / "messages.yml", directory / "errors.yml")


@functools.lru_cache(maxsize=4096)
def _own_overrides(overrides: Path, commune: str) -> Path:
    return commune_overrides_path(overrides, commune)


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _read_optional(path: Path) -> Dict[str, Any]:
    """A content file that may be absent (errors.yml in an older copy of the content folder): {} then."""
    try:
        data = _read(path)
    except FileNotFoundError:
        return {}
    return data if isinstance(data, dict) else {}


def _apply_overrides(edits: Dict[str, Any], targets: Dict[str, Any]) -> None:
    """Apply the commune's edits ({target: {path: value}}) to the loaded files, in place."""
    for target, data in targets.items():
        for path, value in (edits.get(target) or {}).items():
            try:
                set_path(data, path, value)
            except (KeyError, IndexError, ValueError, TypeError):
                pass  # an edit whose place no longer exists (content upgraded): ignored


def _snapshot(commune: Optional[str]) -> _Snapshot:
    with _guides_lock:
        return _guides.setdefault(commune, _Snapshot())


def load(directory: Optional[Path] = None, overrides: Optional[Path] = None, commune: Optional[str] = None) -> Guide:
    """The current guide with the province's overrides applied, then the commune's own (`commune`: its slug) when
    it made any; re-read only when a file changed. A commune without edits shares the province's snapshot."""
    directory = directory or content_dir()
    overrides = overrides or overrides_path()
    files = list(_guide_files(directory))
    if commune is not None:
        own = _own_overrides(overrides, commune)
        if _stamp(own)[1] is not None:  # the commune made edits of its own

            def build_own() -> Guide:
                base = load(directory, overrides)
                guide, messages = copy.deepcopy(base.guide), copy.deepcopy(base.messages)
                _apply_overrides(_read(own) or {}, {"guide": guide, "messages": messages})
                return Guide(guide=guide, messages=messages, errors=base.errors)

            return _snapshot(commune).get(files + [overrides, own], build_own)

    def build() -> Guide:
        guide, messages = (_read(f) for f in files[:2])
        errors = _read_optional(files[2])
        if overrides.exists():
            _apply_overrides(_read(overrides) or {}, {"guide": guide, "messages": messages, "errors": errors})
        return Guide(guide=guide, messages=messages, errors=errors)

    return _snapshot(None).get(files + [overrides], build)


def load_errors(directory: Optional[Path] = None, overrides: Optional[Path] = None) -> Dict[str, Any]:
    """content/errors.yml with the commune's overrides (target `errors`), re-read only when a file changed.

    For the bot's NLU in the Rasa server, which needs only this file (not the guide). The same dict object is
    returned until a file changes, so a caller may cache what it derives from it by identity.
    """
    directory = directory or content_dir()
    overrides = overrides or overrides_path()
    path = directory / "errors.yml"

    def build() -> Dict[str, Any]:
        errors = _read_optional(path)
        if overrides.exists():
            _apply_overrides(_read(overrides) or {}, {"errors": errors})
        return errors

    return _errors.get([path, overrides], build)


def load_staff(directory: Optional[Path] = None) -> Dict[str, Any]:
    """The staff consoles' words (`staff.yml` of the content folder): {group: {key: label}}, groups may nest.

    Re-read only when the file changed. Not edited from the console, so no commune overrides apply.
    """
    path = Path(directory or content_dir()) / "staff.yml"
    return _staff.get([path], lambda: _read(path) or {})
