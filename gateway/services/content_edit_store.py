"""Where the edited content lives: the content as shipped in git, as citizens get it now, and the overrides files
(the province's, and a commune's own beside it) with the shipped value each edit replaced; an exclusive lock and an
atomic write (a temporary file in the same folder, then os.replace), so a reader never sees half a file."""

from __future__ import annotations

import copy
import fcntl
import os
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import yaml

import content
from gateway.services.content_edit_errors import EditError
from gateway.services.texts import Texts

TARGETS = ("guide", "messages", "errors")  # errors: the screen-message catalogue (the province's only)
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".svg")


_defaults_lock = threading.Lock()
_defaults_cache: Dict[str, Any] = {"key": None, "value": None}


def defaults(content_dir: Path) -> Dict[str, Any]:
    """The content as shipped in git (no overrides): {"guide": ..., "messages": ...}."""
    files = {t: Path(content_dir) / f"{t}.yml" for t in TARGETS}
    key = tuple((str(p), p.stat().st_mtime_ns if p.exists() else None) for p in files.values())
    with _defaults_lock:
        if _defaults_cache["key"] != key:  # errors.yml may be absent from an older content folder: {} then
            _defaults_cache.update(
                key=key,
                value={
                    t: (yaml.safe_load(p.read_text(encoding="utf-8")) if p.exists() or t != "errors" else {}) or {}
                    for t, p in files.items()
                },
            )
        return copy.deepcopy(_defaults_cache["value"])


def current(content_dir: Path, overrides: Path, commune: Optional[str] = None) -> content.Guide:
    """The content as citizens get it now (with the province's overrides, then the commune's own when given)."""
    return content.load(Path(content_dir), Path(overrides), commune=commune)


def edits_path(overrides: Path, commune: Optional[str] = None) -> Path:
    """The file an editor writes: the province's overrides, or the commune's own beside them."""
    return Path(overrides) if commune is None else content.commune_overrides_path(Path(overrides), commune)


def originals(content_dir: Path, overrides: Path, commune: Optional[str] = None) -> Dict[str, Any]:
    """What an edit replaces: the content in git for the province's file; for a commune's, the province's text
    (git with the province's edits). {"guide": ..., "messages": ...}, not to be changed."""
    if commune is None:
        return defaults(content_dir)
    province = content.load(Path(content_dir), Path(overrides))
    return {"guide": province.guide, "messages": province.messages, "errors": province.errors}


def read_edits(overrides: Path, texts: Texts) -> Tuple[Dict[str, Dict[str, Any]], Dict[str, Dict[str, Any]]]:
    """The overrides file in one read: the edits {"guide": {...}, "messages": {...}} and, for each edit, the
    shipped value it replaced when saved (`shipped:`, same shape); both empty when the file is missing."""
    path = Path(overrides)
    data = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None) or {}
    if not isinstance(data, dict):
        raise EditError(texts.staff("content_errors")["broken_overrides"])
    recorded = data.get("shipped") if isinstance(data.get("shipped"), dict) else {}
    return (
        {t: dict(data.get(t) or {}) for t in TARGETS},
        {t: dict(recorded[t]) if isinstance(recorded.get(t), dict) else {} for t in TARGETS},
    )


def illustration_files(directory: Path) -> List[str]:
    """Image files a step may show (names only, sorted). A PNG rendered next to an SVG of the same name (for
    Zalo, tools/render_illustrations.py) is the same picture, so only the SVG is offered."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    files = [
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith(".")
    ]
    svg_stems = {p.stem for p in files if p.suffix.lower() == ".svg"}
    return sorted(p.name for p in files if not (p.suffix.lower() == ".png" and p.stem in svg_stems))


_thread_lock = threading.Lock()


@contextmanager
def locked(overrides: Path) -> Iterator[None]:
    """An exclusive lock on the overrides file (across processes and threads)."""
    path = Path(overrides)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _thread_lock:
        with open(path.with_name(path.name + ".lock"), "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


HEADER = (
    "# Commune edits of the guide content, written by the console's content editor (/console/content/).\n"
    "# Applied over content/guide.yml and content/messages.yml; every change is in the audit log.\n"
)


def write_overrides(overrides: Path, edits: Dict[str, Dict[str, Any]], shipped: Dict[str, Dict[str, Any]]) -> None:
    """Write the whole overrides file atomically (temporary file in the same folder, then os.replace); the
    `shipped` records (`read_edits`) are kept for the paths still edited."""
    path = Path(overrides)
    path.parent.mkdir(parents=True, exist_ok=True)
    body: Dict[str, Any] = {t: dict(sorted(edits.get(t, {}).items())) for t in TARGETS if edits.get(t)}
    kept = {t: {p: shipped[t][p] for p in sorted(edits.get(t, {})) if p in shipped.get(t, {})} for t in TARGETS}
    if any(kept.values()):
        body["shipped"] = {t: values for t, values in kept.items() if values}
    text = HEADER + (
        yaml.safe_dump(body, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
        if body
        else "{}\n"
    )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
