"""What a citizen sends on Zalo, processed by the worker in the words of the conversation's commune:
- text (and button presses, which arrive as text) → the same path as the widget (`inbound.handle`: redaction,
  ordering, Rasa or staff), or, on the province's OA before the commune is known, `provincial.answer`;
- follow → the welcome message (or the question "which commune?");
- images, stickers, files, … → a polite answer; the media link is kept only when a person handles (or is about to
  handle) the conversation, for staff to open.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from sqlalchemy import select

from gateway.channels.zalo import erasure as zalo_erasure
from gateway.channels.zalo import provincial
from gateway.channels.zalo import texts as ztexts
from gateway.channels.zalo.event_fields import inbound_key
from gateway.channels.zalo.event_rows import Retry, finish
from gateway.channels.zalo.routing import conversation
from gateway.models import Message, utcnow
from gateway.services import erase_command, inbound, privacy_notice, tenant
from gateway.services.container import Services
from gateway.services.messages import add_outbound
from gateway.services.states import WITH_A_PERSON, ConversationState


def on_text(
    svc: Services, event_id: int, user: str, key: str, message: Dict[str, Any], oa_id: Optional[str] = None
) -> str:
    """A text event: to the bot (or staff) like a widget message; returns the event's new status."""
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        with svc.db.session() as session:
            finish(session, event_id, "ignored", "empty text")
        return "ignored"
    with svc.locks.hold(f"zalo:{user}"), svc.db.session() as session:
        conv = conversation(svc, session, user, oa_id)
        picking, commune = provincial.active(svc, conv), svc.communes.by_id(conv.commune_id)
    try:
        if picking:  # the province's OA: the citizen says their commune first
            status = provincial.answer(
                svc, event_id, user, inbound_key(key), text, lambda session, done: finish(session, event_id, done)
            )
            if status == "erased":
                _erasure_confirmation(svc, user, oa_id)
                return "done"
            if status is not None:
                return status
            with svc.db.session() as session:  # it got its commune meanwhile: as usual
                commune = svc.communes.by_id(conversation(svc, session, user, oa_id).commune_id)
        with tenant.speaking_for(commune):
            if svc.settings.zalo_provincial:  # messages kept while the commune was unknown go first
                provincial.forward_kept(svc, user, commune)
            replies = inbound.handle(
                svc, inbound.Inbound(channel="zalo", sender=user, text=text, key=inbound_key(key), commune=commune)
            )
    except inbound.Rejected as exc:  # too long, …: the citizen gets the explanation on Zalo
        with svc.locks.hold(f"zalo:{user}"), svc.db.session() as session:
            conv = conversation(svc, session, user, oa_id)
            add_outbound(session, conv, "system", {"text": exc.message})
            finish(session, event_id, "done", f"rejected: {exc.code}")
        return "done"
    except inbound.BotUnavailable as exc:
        raise Retry("bot unavailable") from exc
    with svc.db.session() as session:
        finish(session, event_id, "done")
    if erase_command.erased(replies):  # the conversation and its outbox are gone: the confirmation goes now
        _erasure_confirmation(svc, user, oa_id, replies)
    return "done"


def _erasure_confirmation(svc: Services, user: str, oa_id: Optional[str], replies=None) -> None:
    zalo_erasure.send_confirmation(svc, user, replies or [{"text": svc.texts.text("erase_done")}], oa_id)


def on_follow(svc: Services, event_id: int, user: str, oa_id: Optional[str] = None) -> str:
    """A follow: the welcome (or which commune?), unless a person has the conversation."""
    with svc.locks.hold(f"zalo:{user}"), svc.db.session() as session:
        conv = conversation(svc, session, user, oa_id)
        if conv.state != ConversationState.WITH_STAFF and provincial.active(svc, conv):  # which commune?
            add_outbound(session, conv, "system", provincial.ask(svc, welcome=True))
            conv.gateway_prompt = provincial.PROMPT
        elif conv.state != ConversationState.WITH_STAFF:
            add_outbound(
                session, conv, "system", privacy_notice.attach(svc, conv, ztexts.message(svc, "welcome", "offer_guide"))
            )
        finish(session, event_id, "done")
    return "done"


def on_media(
    svc: Services, event_id: int, user: str, key: str, kind: str, message: Dict[str, Any], oa_id: Optional[str] = None
) -> str:
    """An image, sticker, file, …: stored as a placeholder text (with the redacted caption) and answered."""
    caption = message.get("text") if isinstance(message.get("text"), str) else ""
    caption = inbound.clean_text(caption)[: svc.settings.max_message_chars] if caption else ""
    redaction = svc.redactor.redact(caption) if caption else None
    urls = []
    for attachment in message.get("attachments") or []:
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        if isinstance(payload, dict) and isinstance(payload.get("url"), str):
            urls.append(payload["url"][:500])
    key = inbound_key(key)
    with svc.locks.hold(f"zalo:{user}"), svc.db.session() as session:
        conv = conversation(svc, session, user, oa_id)
        if (
            session.scalar(select(Message.id).where(Message.conversation_id == conv.id, Message.idempotency_key == key))
            is None
        ):
            person = conv.state in WITH_A_PERSON
            placeholders = svc.texts.staff("zalo_media")  # what staff read in the transcript for a picture, a file…
            text = placeholders.get(kind) or placeholders["other"]
            if redaction is not None:
                text += " " + redaction.text
            data = None
            if person and urls:  # only a person can look at it: keep the link for staff, not otherwise
                text += "\n" + "\n".join(urls)
                data = {"attachment": {"type": kind, "urls": urls}}
            incoming = Message(
                conversation=conv,
                direction="in",
                author="citizen",
                text=text,
                data=data,
                sensitive=(redaction.kinds or None) if redaction else None,
                idempotency_key=key,
                status="answered",
            )
            session.add(incoming)
            conv.last_message_at = utcnow()
            session.flush()
            if conv.state != ConversationState.WITH_STAFF and provincial.active(svc, conv):  # no commune: ask
                add_outbound(session, conv, "system", provincial.ask(svc), incoming)
                conv.gateway_prompt = provincial.PROMPT
            elif conv.state != ConversationState.WITH_STAFF:
                answer = "sticker" if kind in ("sticker", "gif") else ("media_waiting" if person else "media")
                add_outbound(
                    session,
                    conv,
                    "system",
                    privacy_notice.attach(
                        svc, conv, ztexts.message(svc, answer, None if person or answer == "sticker" else "offer_guide")
                    ),
                    incoming,
                )
        finish(session, event_id, "done")
    return "done"
