"""Masking, after the fact, a citizen message already stored: a secret typed across two messages ("482" then
"913") is recognised only when the second arrives, and the first is then masked in every copy.

The gateway's own copy is updated in the same transaction that stores the second message (inbound._receive);
Rasa's copy (the user event in its SQL tracker store, which Rasa 3.6 re-reads on every message) is rewritten
here, before that transaction: if it cannot be rewritten the message is refused as retryable and nothing of it
is stored or sent.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from gateway.services.tracker_store import METADATA_KEY

log = logging.getLogger(__name__)

_USER_EVENTS = text("SELECT id, data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id DESC LIMIT 20")
_UPDATE_EVENT = text("UPDATE events SET data = :data WHERE id = :id")


class RetroMaskError(Exception):
    """Rasa's copy of the earlier message could not be masked."""


def mask_tracker_event(
    engine: Optional[Engine], sender: str, gateway_message_id: int, masked: str, kinds: List[str]
) -> int:
    """Rewrite the text of Rasa's user event that carries `gateway_message_id` (its text, its parse data's text,
    the `sensitive` kinds in its metadata); returns how many events were rewritten (0: Rasa never stored it)."""
    if engine is None:
        return 0
    try:
        with engine.begin() as connection:
            rows = connection.execute(_USER_EVENTS, {"s": sender}).all()
            changed = 0
            for event_id, data in rows:
                event = _parse(data)
                if event is None or (event.get("metadata") or {}).get(METADATA_KEY) != gateway_message_id:
                    continue
                _mask_event(event, masked, kinds)
                connection.execute(_UPDATE_EVENT, {"data": json.dumps(event), "id": event_id})
                changed += 1
            return changed
    except SQLAlchemyError as exc:
        raise RetroMaskError(type(exc).__name__) from exc


def _parse(data: Any) -> Optional[Dict[str, Any]]:
    try:
        event = json.loads(data) if isinstance(data, str) else data
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _mask_event(event: Dict[str, Any], masked: str, kinds: List[str]) -> None:
    event["text"] = masked
    parse = event.get("parse_data")
    if isinstance(parse, dict):
        parse["text"] = masked
        # entity offsets and values referred to the old text: only the kinds of secret stay
        parse["entities"] = [e for e in parse.get("entities") or [] if e.get("entity") == "sensitive"]
    metadata = event.get("metadata")
    if isinstance(metadata, dict):
        metadata["sensitive"] = sorted(set(metadata.get("sensitive") or []) | set(kinds))
