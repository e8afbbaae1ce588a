"""What citizens (or hotline staff) will read with a new value: the chat bubbles before and after the change."""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional

import content
from gateway.services.content_edit_fields import Field
from gateway.services.texts import Labels, Texts


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
