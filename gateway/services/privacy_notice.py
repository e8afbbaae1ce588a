"""The privacy notice: what is kept, for how long, that codes and passwords are masked, how to delete — in the first
message a conversation gets, on every channel, added by the gateway (which knows when a conversation is new).

Wording: content/messages.yml `gateway.privacy_notice` (the widget, whose "Kết thúc và xóa" control it names) and
`gateway.privacy_notice_chat` (Zalo and the REST channel); {days} is RETENTION_DAYS, {commune.*} the commune's
settings; the commune edits them like the rest of the content. The notice is a paragraph after the text of the
first message (the bot's greeting or first answer, Zalo's welcome, the answer to a picture), so the message count
and the buttons of that message do not change. `conversations.privacy_notice_at` records that it was given; it is
set in the transaction storing that message, or right after it (a crash in between gives it twice, never zero
times).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional


from gateway.models import Conversation, utcnow
from gateway.services.container import Services

SEPARATOR = "\n\n"


def text(svc: Services, channel: str) -> str:
    """The notice for a channel, filled in."""
    key = "privacy_notice" if channel == "widget" else "privacy_notice_chat"
    return svc.texts.text(key, days=svc.settings.retention_days)


def _append(svc: Services, channel: str, replies: List[Dict[str, Any]]) -> None:
    first = next((r for r in replies if r.get("text")), None)
    if first is None:
        replies.insert(0, {"text": text(svc, channel)})
    else:
        first["text"] = first["text"].rstrip() + SEPARATOR + text(svc, channel)


def add(svc: Services, conv: Any, channel: str, replies: Optional[List[Dict[str, Any]]]) -> bool:
    """Put the notice into the replies (REST-style dicts, changed in place) when the conversation (`conv`, as read
    with the message: it carries `privacy_notice_at`) has not had it yet; True when it did. The caller records it in
    the transaction that stores the replies (`inbound_store.store_bot_replies(notice=True)`, or `privacy_notice_at`
    on its ORM row)."""
    if conv.privacy_notice_at is not None or not replies:
        return False
    _append(svc, channel, replies)
    return True


def attach(svc: Services, conv: Conversation, reply: Dict[str, Any]) -> Dict[str, Any]:
    """For a message the gateway itself starts a conversation with (Zalo's welcome, its answer to a picture): the
    reply with the notice added when the conversation (an ORM row, in the caller's transaction) has not had it."""
    if conv.privacy_notice_at is None:
        _append(svc, conv.channel, [reply])
        conv.privacy_notice_at = utcnow()
    return reply
