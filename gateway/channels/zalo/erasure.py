"""Zalo's side of a citizen deleting the conversation (gateway/services/erase_command.py).

The confirmation ("Đã xóa cuộc trò chuyện của bạn…") cannot wait in the outbox like other replies: the outbox is
the conversation's messages, and they are gone. It is sent at once by the worker that processed the "Có", and
not recorded anywhere (a `zalo_sent` row would name the citizen again). Its OA echo is recognised by its text, so
it is not taken for a person answering from Zalo's admin page.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from gateway.services.container import Services

log = logging.getLogger(__name__)


def send_confirmation(svc: Services, user: str, replies: List[Dict[str, Any]], oa_id: Optional[str] = None) -> bool:
    """Send the deletion's confirmation to the citizen now, through the OA they wrote to (`oa_id`); False (logged,
    not retried) if Zalo refused it."""
    from gateway.channels.zalo.client import ZaloClient
    from gateway.channels.zalo.errors import ZaloError
    from gateway.channels.zalo.message_parts import split_text
    from gateway.channels.zalo.tokens import own_account

    client = ZaloClient(svc.settings, svc.db, oa_id=own_account(svc.db, oa_id))
    for reply in replies:
        for part in split_text(reply.get("text") or ""):
            try:
                client.send(user, {"text": part})
            except ZaloError as exc:
                log.warning("zalo: the confirmation of a deleted conversation was not sent (error %s)", exc.code)
                return False
    return True


def is_confirmation(svc: Services, text: Optional[str]) -> bool:
    """Whether an OA echo's text is the deletion's confirmation (sent by the gateway, not by a person)."""
    return isinstance(text, str) and bool(text.strip()) and text.strip() == svc.texts.text("erase_done").strip()
