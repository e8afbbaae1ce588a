"""The widget's conversation id is a bearer credential (whoever holds it reads the conversation): it stops working
after WIDGET_IDLE_MINUTES with no message in the conversation (`last_message_at`; the widget's polling does not
count, so a kiosk left open still expires), and when the conversation is ended (deleted).

An expired id reads no history and sends no message (410 `conversation_expired`): the widget forgets it and starts
a new conversation with a new id. The old conversation itself stays for staff, and goes with the retention.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import bindparam, select

from gateway.models import Conversation, as_utc, utcnow
from gateway.services.container import Services

CHANNEL = "widget"
_LAST_MESSAGE = select(Conversation.last_message_at).where(
    Conversation.channel == CHANNEL, Conversation.external_id == bindparam("sender")
)


def is_expired(svc: Services, last_message_at: Optional[datetime], now: Optional[datetime] = None) -> bool:
    """Whether a widget conversation last written to at `last_message_at` is past the idle limit."""
    minutes = svc.settings.widget_idle_minutes
    if not minutes or last_message_at is None:
        return False
    return (now or utcnow()) - as_utc(last_message_at) > timedelta(minutes=minutes)


def expired(svc: Services, sender: object) -> bool:
    """Whether `sender` names a widget conversation whose id has expired (one indexed read; False when there is
    no such conversation: a new id starts one)."""
    if not svc.settings.widget_idle_minutes or not isinstance(sender, str):
        return False
    with svc.db.transaction() as db:
        row = db.execute(_LAST_MESSAGE, {"sender": sender}).first()
    return row is not None and is_expired(svc, row[0])
