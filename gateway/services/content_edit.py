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

This module signs what was previewed and saves an edit (audited); callers reach the other parts through it:
content_edit_store.py (the shipped content and the overrides files), content_edit_fields.py (the editable fields),
content_edit_validation.py (a new value's checks), content_edit_preview.py (what citizens will read),
content_edit_errors.py (the refusals).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any, Dict, List, Optional

from sqlalchemy.orm import Session

from gateway.models import Staff
from gateway.services import audit

# the editor's parts, for its callers
from gateway.services.content_edit_errors import Conflict, EditError  # noqa: F401
from gateway.services.content_edit_fields import Field, fields, find_field, needing_review  # noqa: F401
from gateway.services.content_edit_preview import preview  # noqa: F401
from gateway.services.content_edit_store import (  # noqa: F401
    edits_path,
    illustration_files,
    locked,
    read_edits,
    write_overrides,
)
from gateway.services.content_edit_validation import VIETNAMESE_LETTERS, has_vietnamese, validate  # noqa: F401
from gateway.services.texts import Texts


# --- signing what was previewed -----------------------------------------------------------------------------------


def sign(secret: str, *parts: Any) -> str:
    """An HMAC over the parts: ties a save to the exact value previewed and to the value it replaces."""
    message = json.dumps(parts, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def check_signature(secret: str, signature: str, *parts: Any) -> bool:
    return hmac.compare_digest(sign(secret, *parts), signature or "")


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
