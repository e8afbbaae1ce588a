"""The editable fields: every piece of the guide, the messages' buttons and (for the province's editors) the
screen-message catalogue that an administrator may change, each with its kind, its label and help (content/staff.yml
`content_fields`, `content_hints`), its current value and the value it replaces."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

import content
from gateway.services.content_edit_errors import EditError
from gateway.services.content_edit_store import current, edits_path, originals, read_edits
from gateway.services.texts import Texts

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
