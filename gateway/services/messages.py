"""Storing messages and reading conversations: the small helpers every service shares."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import Conversation, Message, utcnow
from gateway.services.states import ConversationState

REST_KEYS = ("buttons", "image", "custom", "attachment")
PUSH_CHANNELS = ("zalo",)  # channels whose outbound messages are sent by the worker, in order


def get_or_create_conversation(
    session: Session, channel: str, external_id: str, commune_id: Optional[int] = None
) -> Conversation:
    """The conversation of this channel and sender, created on first contact in `commune_id` (None: a provincial
    Zalo OA conversation whose commune is not known yet)."""
    conv = session.scalar(
        select(Conversation).where(Conversation.channel == channel, Conversation.external_id == external_id)
    )
    if conv is None:
        conv = Conversation(**new_conversation_values(channel, external_id, commune_id, utcnow()))
        session.add(conv)
        session.flush()
    return conv


def new_conversation_values(channel: str, external_id: str, commune_id: Optional[int], now) -> Dict[str, Any]:
    """The column values of a conversation on first contact (the ORM path above and the inbound path's INSERT)."""
    return {
        "channel": channel,
        "external_id": external_id,
        "rasa_sender_id": f"{channel}:{external_id}",
        "commune_id": commune_id,
        "state": ConversationState.BOT.value,
        "tried": [],
        "problems_seen": [],
        "created_at": now,
        "last_message_at": now,
    }


def outbound_values(
    conv_id: int,
    channel: str,
    author: str,
    reply: Dict[str, Any],
    reply_to_id: Optional[int],
    staff_id: Optional[int],
    now,
) -> Dict[str, Any]:
    """The column values of one stored outbound message (a REST-style dict: text and/or buttons, image, custom)."""
    return {
        "conversation_id": conv_id,
        "direction": "out",
        "author": author,
        "text": reply.get("text"),
        "data": {k: reply[k] for k in REST_KEYS if k in reply} or None,
        "reply_to_id": reply_to_id,
        "staff_id": staff_id,
        "delivery": "pending" if channel in PUSH_CHANNELS else None,
        "created_at": now,
    }


def add_outbound(
    session: Session,
    conv: Conversation,
    author: str,
    reply: Dict[str, Any],
    reply_to: Optional[Message] = None,
    staff_id: Optional[int] = None,
    flush: bool = True,
) -> Message:
    """Store one outbound message (a REST-style dict: text and/or buttons, image, custom).

    `flush=False` leaves the INSERT to the caller's next flush (several replies in one statement); the message
    has no id until then."""
    values = outbound_values(
        conv.id, conv.channel, author, reply, reply_to.id if reply_to is not None else None, staff_id, utcnow()
    )
    values.pop("conversation_id")
    message = Message(conversation=conv, **values)
    session.add(message)
    conv.last_message_at = message.created_at
    if flush:
        session.flush()  # id and timestamps now: callers show and order by them
    return message


def replies_to(session: Session, inbound: Message) -> List[Message]:
    """The stored replies to an inbound message, in order."""
    return list(session.scalars(select(Message).where(Message.reply_to_id == inbound.id).order_by(Message.id)))
