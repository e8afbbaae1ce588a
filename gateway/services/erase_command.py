"""The citizen's "xóa cuộc trò chuyện" (typed, with or without diacritics, or the button under the privacy notice)
on every channel: the gateway answers it itself, before anything reaches Rasa.

    citizen: xoa cuoc tro chuyen      → gateway: "Bạn muốn xóa toàn bộ cuộc trò chuyện này?" [Có] [Không]
    citizen: Có (button or typed)     → everything is deleted (services/erasure.py); the answer says so and
                                        carries {"custom": {"conversation_erased": true}} (the widget then forgets
                                        the conversation; Zalo gets the sentence sent directly)
    citizen: Không                    → "Vâng, tôi giữ nguyên…"; anything else: the question is dropped and the
                                        message goes to the bot as usual

The question is the gateway's own (`conversations.gateway_prompt = "erase_confirm"`, as the call-back questions
are). Words: content/messages.yml `gateway.erase_*` and the `erase_confirm` button set.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from vntext import normalize

from gateway.models import Conversation, Message
from gateway.services import erasure
from gateway.services.container import Services
from gateway.services.inbound_errors import BotUnavailable
from gateway.services.messages import add_outbound

PROMPT = "erase_confirm"
BUTTON = "/erase_conversation"  # the payload of the button under the privacy notice
ERASED = "conversation_erased"  # the key of the answer's custom payload once the conversation is deleted
YES, NO = "yes", "no"

_COMMAND = re.compile(
    r"\bxoa\s+(?:het\s+|toan\s+bo\s+|ca\s+|lich\s+su\s+)?(?:cuoc\s+|doan\s+|noi\s+dung\s+)?"
    r"(?:tro\s+chuyen|hoi\s+thoai|chat)\b"
)
_NEGATED = re.compile(r"\b(?:khong|ko|dung|chua|chang)\s+(?:muon\s+|can\s+)?xoa\b")
_POLITE = r"(?:\s+(?:a|nhe|nha|di|roi|luon|ngay|giup|giup\s+toi|voi|het|di\s+a))*"
_YES = re.compile(r"^(?:co|vang|da|u|uh|um|ok|oke|okay|yes|dong\s+y|chac\s+chan|xoa|co\s+xoa|xoa\s+di)" + _POLITE + "$")
_NO = re.compile(r"^(?:khong|ko|k|kh|kg|no|thoi|huy|dung|khong\s+xoa|dung\s+xoa|chua|de\s+sau)" + _POLITE + "$")
_PUNCTUATION = re.compile(r"[^a-z0-9/]+")
_MAX_COMMAND = 80  # longer messages are about something else, even if they mention deleting


def fold(text: str) -> str:
    """The folded view (vntext: lower case, no diacritics, ó and oá alike, đ → d), punctuation as single spaces."""
    return " ".join(_PUNCTUATION.sub(" ", normalize.fold(text)).split())


def is_command(text: str) -> bool:
    """Whether a message asks to delete the conversation ("xóa cuộc trò chuyện", "xoa hoi thoai", the button)."""
    if text.strip() == BUTTON:
        return True
    if len(text) > 2 * _MAX_COMMAND or ("x" not in text and "X" not in text):  # most messages: no folding
        return False
    folded = fold(text)
    return len(folded) <= _MAX_COMMAND and bool(_COMMAND.search(folded)) and not _NEGATED.search(folded)


def answer_of(text: str) -> Optional[str]:
    """YES, NO or None (not an answer to "delete everything?")."""
    stripped = text.strip()
    if stripped in ("/affirm", "/deny"):
        return YES if stripped == "/affirm" else NO
    folded = fold(stripped)
    if _YES.match(folded):
        return YES
    if _NO.match(folded):
        return NO
    return None


def erased(replies: List[Dict[str, Any]]) -> bool:
    """Whether an answer says the conversation was deleted (its custom payload)."""
    return any(isinstance(r.get("custom"), dict) and r["custom"].get(ERASED) for r in replies)


def intercept(svc: Services, sender: str, conv: Any, message_id: int, text: str) -> Optional[List[Dict[str, Any]]]:
    """The gateway's answer when the message (redacted `text`, already stored as `message_id`) is the delete
    command or the answer to its question; None to let the message go on to the bot (or staff) as usual.

    Called inside the conversation's turn; `conv` is the conversation as read with the message (`id`,
    `gateway_prompt`); its prompt is dropped when the citizen answered something else."""
    if is_command(text):
        return _reply(svc, sender, conv, message_id, "erase_confirm", PROMPT, buttons="erase_confirm")
    if conv.gateway_prompt != PROMPT:
        return None
    answer = answer_of(text)
    if answer == YES:
        return _erase(svc, sender, conv)
    if answer == NO:
        return _reply(svc, sender, conv, message_id, "erase_cancelled", None)
    with svc.db.session() as session:  # something else: the question is dropped, the message goes on
        session.execute(
            update(Conversation)
            .where(Conversation.id == conv.id, Conversation.gateway_prompt == PROMPT)
            .values(gateway_prompt=None)
        )
    conv.gateway_prompt = None
    return None


def _reply(
    svc: Services,
    sender: str,
    conv: Any,
    message_id: int,
    key: str,
    prompt: Optional[str],
    buttons: Optional[str] = None,
) -> List[Dict[str, Any]]:
    """Answer the message with a gateway text (and set or clear the gateway's question), in one transaction."""
    with svc.db.session() as session:
        row, message = session.get(Conversation, conv.id), session.get(Message, message_id)
        row.gateway_prompt = prompt
        out = add_outbound(session, row, "system", svc.texts.message(key, buttons), message)
        message.status = "answered"
        return [out.as_rest(sender)]


def _erase(svc: Services, sender: str, conv: Any) -> List[Dict[str, Any]]:
    try:
        erasure.erase_conversation(svc, conv.id, by="citizen", in_turn=True)
    except SQLAlchemyError as exc:  # a store is down: nothing was lost, the same message can be sent again
        raise BotUnavailable(svc.texts.text("bot_unavailable")) from exc
    return [{"recipient_id": sender, "text": svc.texts.text("erase_done"), "custom": {ERASED: True}}]
