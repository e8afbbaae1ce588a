"""Editing the guide content from the console: which fields may change, their rules, a preview of what citizens
will read, and the write to an overrides file.

Two levels (the province edition): a province admin edits the province's file (settings.content_overrides), which
every commune reads; a commune's admin edits its own file beside it (`var/content-overrides.d/<slug>.yml`,
content.commune_overrides_path), applied over the province's for that commune's citizens only (`commune`: its slug
in the functions below). For a commune the "original" of a field is the province's text (shipped content with the
province's edits): a commune edit equal to it is dropped, and one whose province text changed since is marked for
review. A commune's own name, hotline, hours, address and portal are not content: they are the commune's settings
(gateway/services/communes.py), so `commune.*` fields are not editable here.

The overrides file is `{"guide": {dotted.path: value}, "messages": {dotted.path: value}}` (content/loader.py), plus
`shipped:` — for each edit, the text in git it replaced when it was saved. When an update of the project changes
that text (the portal changed a step; a step was inserted, so list positions moved), the commune's edit still
applies but is marked "the original changed — review" in the console until an administrator saves it again. The
gateway and the bot's action server both re-read it when it changes, so a saved edit is live for the next message
without retraining or restarting anything. Writes take an exclusive file lock (`<file>.lock`), write a temporary
file in the same folder and `os.replace` it, so a reader never sees half a file.

A field is named by a key `<target>:<dotted path>`, e.g. `guide:flows.A.steps.0.text` (list indexes are 0-based:
that is step 1 of flow A) or `messages:buttons.step.0.title`.

The words shown to the administrator (field names, hints, refusals, preview notes) are in content/staff.yml; the
functions that say something take the app's `texts`.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import hmac
import json
import os
import re
import tempfile
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import yaml
from sqlalchemy.orm import Session

import content
from gateway.models import Staff
from gateway.services import audit
from gateway.services.hours import TZ
from gateway.services.texts import Labels, Texts

TARGETS = ("guide", "messages", "errors")  # errors: the screen-message catalogue (the province's only)
# The letters of the Vietnamese alphabet that carry a diacritic (NFC), lower and upper case: text in Vietnamese
# has at least one of them.
VIETNAMESE_LETTERS = frozenset(
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
)
_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u2060\ufeff]")
HOTLINE = re.compile(r"^[0-9][0-9. ]*[0-9]$")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".svg")
STEP_CHARS = 140  # the guide's length target for one step or remedy line (a warning, not an error)

# kind → (maximum characters, needs Vietnamese letters); the help text is content/staff.yml `content_hints.<kind>`
KINDS: Dict[str, Tuple[int, bool]] = {
    "text": (400, True),
    "title": (80, True),
    "short": (20, True),
    "button": (20, True),
    "hours": (200, True),
    "bring": (200, True),
    "date": (10, False),
    "hotline": (20, False),
    "illustration": (120, False),
    "screen": (300, False),  # a message as a screen shows it (may be in English: "Session expired")
}


class EditError(ValueError):
    """An edit that cannot be made (message in Vietnamese, from content/staff.yml `content_errors`)."""


class Conflict(EditError):
    """The field changed since the form was opened (another administrator saved first)."""


@dataclass
class Field:
    """One editable piece of content."""

    key: str
    target: str
    path: str
    kind: str
    label: str
    group: str
    group_title: str
    current: Any = None
    default: Any = None
    overridden: bool = False
    shipped_then: Any = None  # the shipped value under the edit when it was saved (None: not recorded)
    context: Dict[str, Any] = field(default_factory=dict)
    help: str = ""  # what the form says under the field (content/staff.yml `content_hints`)

    @property
    def stale(self) -> bool:
        """Overridden, and the shipped value under the edit changed since the edit was saved."""
        return self.overridden and self.shipped_then is not None and self.shipped_then != self.default

    @property
    def max_chars(self) -> int:
        return KINDS[self.kind][0]

    def as_dict(self) -> Dict[str, Any]:
        out = asdict(self)
        out.update(max_chars=self.max_chars, stale=self.stale)
        return out


# --- where the content lives --------------------------------------------------------------------------------------

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


# --- the editable fields ------------------------------------------------------------------------------------------

STEP_PARTS = (("text", "text"), ("check", "text"), ("illustration", "illustration"))  # (part, kind)


def _field_specs(
    guide: Dict[str, Any], messages: Dict[str, Any], texts: Texts, errors: Optional[Dict[str, Any]] = None
) -> List[Field]:
    """Every editable field of the given content (values filled in later), named as in content/staff.yml;
    `errors` (the screen-message catalogue) only for the province's editors: the bot's NLU reads it for all."""
    specs: List[Field] = []
    names, hints = texts.staff("content_fields"), texts.staff("content_hints")
    button_sets = texts.staff("content_button_sets")

    def add(target, path, kind, label, group, group_title, **context):
        hint = hints.fill(kind, limit=KINDS[kind][0], step_chars=STEP_CHARS)
        specs.append(
            Field(f"{target}:{path}", target, path, kind, label, group, group_title, context=context, help=hint)
        )

    # no `commune.*` fields: a commune's name, hotline, hours, address and portal are its settings (communes page)
    for flow in ("A", "B"):
        data = guide["flows"][flow]
        group, title = f"flow-{flow}", names.fill("flow", flow=flow, short=data.get("short", ""))
        add("guide", f"flows.{flow}.title", "title", names["flow_title"], group, title, flow=flow)
        add("guide", f"flows.{flow}.short", "short", names["flow_short"], group, title, flow=flow)
        add("guide", f"flows.{flow}.intro", "text", names["flow_intro"], group, title, flow=flow)
        add("guide", f"flows.{flow}.last_checked", "date", names["last_checked"], group, title, flow=flow)
        for i, _step in enumerate(data["steps"]):
            for part, kind in STEP_PARTS:
                add(
                    "guide",
                    f"flows.{flow}.steps.{i}.{part}",
                    kind,
                    names.fill("step", step=i + 1, part=names[f"step_{part}"]),
                    group,
                    title,
                    flow=flow,
                    step=i + 1,
                )
    for code, problem in guide["problems"].items():
        group, title = f"problem-{code}", names.fill("problem", title=problem.get("title", code))
        add("guide", f"problems.{code}.title", "title", names["problem_title"], group, title, problem=code)
        add("guide", f"problems.{code}.short", "short", names["problem_short"], group, title, problem=code)
        for i, _line in enumerate(problem.get("remedy") or []):
            add(
                "guide",
                f"problems.{code}.remedy.{i}",
                "text",
                names.fill("remedy_line", line=i + 1),
                group,
                title,
                problem=code,
                line=i + 1,
            )
        if "bring" in problem:
            add("guide", f"problems.{code}.bring", "bring", names["bring"], group, title, problem=code)
        add("guide", f"problems.{code}.last_checked", "date", names["last_checked"], group, title, problem=code)
    for name, buttons in (messages.get("buttons") or {}).items():
        for i, _button in enumerate(buttons):
            add(
                "messages",
                f"buttons.{name}.{i}.title",
                "button",
                names.fill("button", set=button_sets.get(name, name), number=i + 1),
                "buttons",
                names["buttons"],
                button_set=name,
            )
    for key, entry in ((errors or {}).get("errors") or {}).items():
        if not isinstance(entry, dict):
            continue
        problem = (guide["problems"].get(entry.get("problem")) or {}).get("title", entry.get("problem", ""))
        add(
            "errors",
            f"errors.{key}.text",
            "screen",
            names.fill("error_text", key=key, problem=problem),
            "errors",
            names["errors"],
            error=key,
        )
        if "meaning" in entry:
            add(
                "errors",
                f"errors.{key}.meaning",
                "text",
                names.fill("error_meaning", key=key),
                "errors",
                names["errors"],
                error=key,
            )
    return specs


def fields(content_dir: Path, overrides: Path, texts: Texts, commune: Optional[str] = None) -> List[Field]:
    """Every editable field with its current value (for the commune when given), the value it replaces (shipped
    in git; for a commune, the province's), and whether it is overridden (in the file this editor writes)."""
    now = current(content_dir, overrides, commune)
    shipped = originals(content_dir, overrides, commune)
    edits, then = read_edits(edits_path(overrides, commune), texts)
    out = []
    for spec in _field_specs(now.guide, now.messages, texts, now.errors if commune is None else None):
        live = {"guide": now.guide, "messages": now.messages, "errors": now.errors}[spec.target]
        spec.current = content.get_path(live, spec.path)
        try:
            spec.default = content.get_path(shipped[spec.target], spec.path)
        except (KeyError, IndexError, ValueError, TypeError):
            spec.default = None
        spec.overridden = spec.path in edits[spec.target]
        spec.shipped_then = then[spec.target].get(spec.path)
        out.append(spec)
    return out


def needing_review(content_dir: Path, overrides: Path, texts: Texts, commune: Optional[str] = None) -> List[Field]:
    """The edits (the province's, or the commune's) whose original text changed since they were saved (none if
    the file is unreadable)."""
    try:
        return [f for f in fields(content_dir, overrides, texts, commune) if f.stale]
    except (EditError, OSError, yaml.YAMLError):
        return []


def find_field(content_dir: Path, overrides: Path, key: str, texts: Texts, commune: Optional[str] = None) -> Field:
    """The editable field named `key`; EditError if it is not editable here."""
    for spec in fields(content_dir, overrides, texts, commune):
        if spec.key == key:
            return spec
    raise EditError(texts.staff("content_errors")["not_editable"])


# --- validation ---------------------------------------------------------------------------------------------------


def has_vietnamese(text: str) -> bool:
    """True when the text has at least one Vietnamese letter with a diacritic."""
    return any(ch in VIETNAMESE_LETTERS for ch in unicodedata.normalize("NFC", text))


def validate(
    spec: Field, raw: Any, illustrations: Optional[List[str]] = None, today: Optional[date] = None, *, texts: Texts
) -> Tuple[str, List[str]]:
    """(cleaned value, warnings) for a new value of the field; EditError with every problem otherwise."""
    say = texts.staff("content_errors")
    if not isinstance(raw, str):
        raise EditError(say["not_text"])
    value = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\n", " ")
    value = re.sub(r"[ \t]+", " ", _CONTROL.sub("", value)).strip()
    limit, needs_vietnamese = KINDS[spec.kind]
    errors, warnings = [], []
    if not value:
        raise EditError(say["empty"])
    if len(value) > limit:
        errors.append(say.fill("too_long", length=len(value), limit=limit))
    if needs_vietnamese and not has_vietnamese(value):
        errors.append(say["not_vietnamese"])
    if spec.kind == "text" and len(value) > STEP_CHARS:
        warnings.append(say.fill("long_text", length=len(value), limit=STEP_CHARS))
    if spec.kind in ("text", "title", "hours", "bring", "short", "button"):
        unknown = [m for m in re.findall(r"\{([^{}]*)\}", value) if not re.fullmatch(r"commune\.[a-z_]+", m)]
        if unknown:
            errors.append(say.fill("unknown_fields", fields=", ".join("{" + m + "}" for m in unknown)))
    if spec.kind == "date":
        try:
            parsed = date.fromisoformat(value)
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(value)
        except ValueError:
            errors.append(say["bad_date"])
        else:
            today = today or datetime.now(TZ).date()
            if parsed > today:
                errors.append(say["future_date"])
            elif parsed.year < 2020:
                errors.append(say["old_date"])
    if spec.kind == "hotline":
        if not HOTLINE.match(value) or sum(ch.isdigit() for ch in value) < 3:
            errors.append(say["bad_hotline"])
    if spec.kind == "illustration":
        allowed = illustrations if illustrations is not None else []
        if value not in allowed:
            errors.append(say["bad_illustration"])
    if errors:
        raise EditError(" ".join(errors))
    return value, warnings


# --- signing what was previewed -----------------------------------------------------------------------------------


def sign(secret: str, *parts: Any) -> str:
    """An HMAC over the parts: ties a save to the exact value previewed and to the value it replaces."""
    message = json.dumps(parts, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def check_signature(secret: str, signature: str, *parts: Any) -> bool:
    return hmac.compare_digest(sign(secret, *parts), signature or "")


# --- preview ------------------------------------------------------------------------------------------------------


def _with_change(guide: content.Guide, spec: Field, value: str) -> content.Guide:
    data = {
        "guide": copy.deepcopy(guide.guide),
        "messages": copy.deepcopy(guide.messages),
        "errors": copy.deepcopy(guide.errors),
    }
    content.set_path(data[spec.target], spec.path, value)
    return content.Guide(
        guide=data["guide"], messages=data["messages"], errors=data["errors"], commune_fields=guide.commune_fields
    )


def _bubble(text: str, buttons: Optional[List[str]] = None, changed: bool = True) -> Dict[str, Any]:
    return {"kind": "text", "text": text, "buttons": buttons or [], "changed": changed}


def preview(guide: content.Guide, spec: Field, value: str, texts: Texts) -> Dict[str, Any]:
    """What citizens (or hotline staff) will read with the new value: a list of chat bubbles, before and after."""
    new = _with_change(guide, spec, value)
    notes = texts.staff("content_preview")
    return {
        "before": _render(guide, spec, notes),
        "after": _render(new, spec, notes),
        "audience": "staff" if spec.path.endswith(".check") else "citizen",
    }


def _render(g: content.Guide, spec: Field, notes: Labels) -> List[Dict[str, Any]]:
    ctx, parts = spec.context, spec.path.split(".")
    titles = [b["title"] for b in g.buttons("step")]
    if "step" in ctx:
        flow, n = ctx["flow"], ctx["step"]
        step = g.step(flow, n)
        if parts[-1] == "check":
            return [_bubble(notes.fill("check", step=n, total=len(g.steps(flow)), check=g.fill(step.get("check", ""))))]
        out: List[Dict[str, Any]] = []
        image = g.illustration_url(step.get("illustration"))
        if image:
            out.append(
                {
                    "kind": "image",
                    "src": image,
                    "changed": parts[-1] == "illustration",
                    "alt": notes.fill("illustration", step=n),
                }
            )
        out.append(
            _bubble(
                g.text("step", step=n, total=len(g.steps(flow)), text=g.fill(step["text"])),
                titles,
                changed=parts[-1] == "text",
            )
        )
        return out
    if "flow" in ctx:
        data = g.flow(ctx["flow"])
        if parts[-1] == "last_checked":
            return [_bubble(g.text("why_vneid_now", last_checked=data.get("last_checked", "")))]
        if parts[-1] == "short":
            return [_bubble(notes.fill("flow_short", short=data.get("short", "")), [data.get("short", "")])]
        return [_bubble(g.text("flow_start", flow_title=data["title"], flow_intro=g.fill(data.get("intro", ""))))]
    if "problem" in ctx:
        code = ctx["problem"]
        problem = g.problem(code)
        if parts[-1] == "short":
            where = next(
                (
                    (f, n)
                    for f in ("A", "B")
                    for n, s in enumerate(g.steps(f), start=1)
                    if code in (s.get("problems") or [])
                ),
                None,
            )
            if where:
                codes = g.step(*where).get("problems") or []
                return [
                    _bubble(
                        g.text("step_failed_ask", step=where[1]), [g.problem(c)["short"] for c in codes if g.problem(c)]
                    )
                ]
            return [_bubble(problem["short"], [problem["short"]])]
        if parts[-1] == "bring":
            return [_bubble(g.text("in_person", bring=g.fill(problem.get("bring", ""))))]
        if parts[-1] == "last_checked":
            return [_bubble(notes.fill("last_checked", title=problem["title"], date=problem.get("last_checked", "")))]
        out = [_bubble(g.text("remedy_intro", problem_title=problem["title"]), changed=parts[-1] == "title")]
        for i, line in enumerate(problem.get("remedy") or []):
            out.append(_bubble(g.fill(line), changed=parts[-2:] == ["remedy", str(i)]))
        out.append(_bubble(g.text("remedy_check"), [b["title"] for b in g.buttons("remedy_check")], changed=False))
        return out
    if "error" in ctx:  # what the citizen pastes, and the bot's answer: the meaning line, then the remedy's start
        entry = g.error(ctx["error"]) or {}
        problem = g.problem(entry.get("problem")) or {}
        out = [_bubble(notes.fill("pasted", text=entry.get("text", "")), changed=parts[-1] == "text")]
        if entry.get("meaning"):
            out.append(_bubble(g.fill(str(entry["meaning"])), changed=parts[-1] == "meaning"))
        if problem:
            out.append(_bubble(g.text("remedy_intro", problem_title=problem.get("title", "")), changed=False))
        return out
    if spec.target == "messages" and parts[0] == "buttons":
        name = parts[1]
        return [_bubble(notes["buttons"], [b["title"] for b in g.buttons(name)])]
    # commune settings
    return [_bubble(g.text("contact")), _bubble(g.text("handoff_contact"))]


# --- saving -------------------------------------------------------------------------------------------------------

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


def save(
    session: Session,
    staff: Staff,
    content_dir: Path,
    overrides: Path,
    key: str,
    raw: Any,
    base_signature: str,
    secret: str,
    illustrations: Optional[List[str]] = None,
    *,
    texts: Texts,
    commune: Optional[str] = None,
) -> Dict[str, Any]:
    """Validate and apply one edit to the province's file, or to the commune's own when `commune` (its slug) is
    given; audited as content_edit with {path, old, new}. Returns the change.

    `base_signature` is `sign(secret, key, value shown when the form was opened)`: if the field changed since,
    Conflict is raised instead of overwriting someone else's edit. A value equal to the shipped one removes the
    override (back to the content in git; for a commune, to the province's text).
    """
    own = edits_path(overrides, commune)
    with locked(own):
        spec = find_field(content_dir, overrides, key, texts, commune)
        if not check_signature(secret, base_signature, key, spec.current):
            raise Conflict(texts.staff("content_errors")["conflict"])
        value, warnings = validate(spec, raw, illustrations, texts=texts)
        old = spec.current
        edits, shipped = read_edits(own, texts)
        target = edits[spec.target]
        if value == spec.default:
            target.pop(spec.path, None)
        else:
            target[spec.path] = value
            shipped[spec.target][spec.path] = spec.default  # what this edit replaces, to notice when it changes
        changed = old != value
        reviewed = spec.stale and not changed  # kept as it is after the shipped text changed
        if changed:
            action, detail = "content_edit", {"path": spec.path, "target": spec.target, "old": old, "new": value}
            if value == spec.default:
                detail["reverted_to_default"] = True
        elif reviewed:
            action, detail = (
                "content_review",
                {
                    "path": spec.path,
                    "target": spec.target,
                    "kept": value,
                    "shipped_then": spec.shipped_then,
                    "shipped_now": spec.default,
                },
            )
        if changed or reviewed:
            if commune is not None:
                detail["commune"] = commune
            audit.record(session, staff.id, action, spec.key[:128], detail)
            session.flush()
            write_overrides(own, edits, shipped)
    return {
        "key": spec.key,
        "path": spec.path,
        "old": old,
        "new": value,
        "changed": changed,
        "reviewed": reviewed,
        "warnings": warnings,
    }
