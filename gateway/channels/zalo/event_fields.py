"""What a Zalo webhook event says about itself: the citizen it concerns, the Official Account it is for, its
deduplication key in the queue (and the key of the message it becomes), Zalo's timestamp. Pure reading of the body.
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, Optional


def id_of(value: Any) -> Optional[str]:
    """An id as a string (ids are strings; a number is kept exactly as written, never through float)."""
    if isinstance(value, str) and value:
        return value[:64]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def citizen_of(body: Dict[str, Any]) -> Optional[str]:
    """The citizen an event concerns: sender of a user event, recipient of an OA echo, the follower."""
    name = str(body.get("event_name") or "")
    party = "follower" if name in ("follow", "unfollow") else "recipient" if name.startswith("oa_send_") else "sender"
    value = body.get(party)
    return id_of(value.get("id")) if isinstance(value, dict) else None  # a signed event can still be malformed


def oa_of(body: Dict[str, Any]) -> Optional[str]:
    """The Official Account an event is for: the recipient of a user event, the sender of an OA echo, `oa_id` of a
    follow (or of any event that carries it)."""
    name = str(body.get("event_name") or "")
    if name not in ("follow", "unfollow"):
        party = body.get("sender" if name.startswith("oa_send_") else "recipient")
        found = id_of(party.get("id")) if isinstance(party, dict) else None
        if found:
            return found
    return id_of(body.get("oa_id"))


def event_key(body: Dict[str, Any], raw: bytes) -> str:
    """The deduplication key: the message id, or a synthetic key for events without one."""
    name = str(body.get("event_name") or "unknown")[:48]
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    msg_id = id_of(message.get("msg_id"))
    if msg_id:
        key = msg_id
    elif name in ("follow", "unfollow"):
        key = f"{name}:{citizen_of(body)}:{body.get('timestamp')}"
    else:
        key = f"{name}:{citizen_of(body)}:{body.get('timestamp')}:{hashlib.sha256(raw).hexdigest()[:16]}"
    return key if len(key) <= 190 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def inbound_key(key: str) -> str:
    """The idempotency key of the message an event becomes (at most 128 characters)."""
    return key if len(key) <= 128 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def sent_at_ms(body: Dict[str, Any]) -> Optional[int]:
    """Zalo's timestamp of the event (epoch milliseconds), or None if it is not one."""
    value = str(body.get("timestamp") or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 15 else None
