"""Sends the `pending` outbound messages of Zalo conversations, in order, each as the parts `message_parts.py`
shapes (text, buttons, image).

A conversation's messages go out with the token of the OA it came through (`conversations.channel_account`: a
commune's own OA, or the primary OA), in the words of its commune.

Every part accepted by Zalo is recorded in `zalo_sent` (its Zalo msg id and a hash of the text), so a retry
resumes after the last accepted part and the OA echo is recognised as ours. Outcomes on `Message.delivery`:
sent | blocked (-230: the citizen must write first; staff see `delivery_error`) | failed | skipped.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Dict, List, Optional

from sqlalchemy import select, update

from gateway.channels.zalo.errors import RateLimited, ReplyWindowClosed, TokenUnavailable, Transient, ZaloError
from gateway.channels.zalo.message_parts import parts_of
from gateway.zalo_models import ZaloSent, text_hash
from gateway.models import Conversation, Message, utcnow
from gateway.services import tenant
from gateway.services.container import Services

log = logging.getLogger(__name__)

MAX_TRANSIENT = 8  # network failures of one message before it is marked failed


class Outcome:
    SENT, BLOCKED, FAILED, SKIPPED, RETRY, PAUSED = "sent", "blocked", "failed", "skipped", "retry", "paused"


def _note(svc: Services, key: str, **fields: Any) -> str:
    """Why a message did not reach the citizen, as staff read it under the message (content/staff.yml)."""
    return svc.texts.staff_label("zalo_delivery", key, **fields)


def _mark(svc: Services, message_id: int, delivery: str, error: Optional[str] = None) -> None:
    with svc.db.session() as session:
        session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(delivery=delivery, delivery_error=error[:200] if error else None)
        )


def deliver_one(svc: Services, channel, message_id: int) -> str:
    """Send one pending message (all its parts not yet accepted); returns an `Outcome`."""
    with svc.db.session() as session:
        message = session.get(Message, message_id)
        if message is None or message.delivery != "pending":
            return Outcome.SKIPPED
        conv = message.conversation
        user, oa_id = conv.external_id, conv.channel_account
        with tenant.speaking_for(svc.communes.by_id(conv.commune_id)):
            parts = parts_of(svc, message)
        done = set(
            session.scalars(
                select(ZaloSent.part).where(ZaloSent.message_id == message_id, ZaloSent.zalo_msg_id.is_not(None))
            )
        )
    if not parts:
        _mark(svc, message_id, Outcome.SKIPPED)
        return Outcome.SKIPPED
    last = len(parts) - 1
    account = channel.account(oa_id)
    client = channel.client_for(oa_id)
    for index, part in enumerate(parts):
        if index in done:
            continue
        hashed = text_hash(part["text"]) if part.get("text") else None
        try:
            data = client.send(user, part)
        except ReplyWindowClosed as exc:
            log.info("zalo message %d blocked: outside the reply window (%s)", message_id, exc.code)
            _mark(svc, message_id, Outcome.BLOCKED, _note(svc, "blocked", code=exc.code))
            return Outcome.BLOCKED
        except RateLimited:
            channel.back_off("rate limited (-32)", account=account)
            return Outcome.PAUSED
        except TokenUnavailable as exc:
            log.error("zalo sending paused: no usable access token (%s)", exc.code)
            channel.back_off("no usable token", 60.0, account=account)
            return Outcome.PAUSED
        except Transient as exc:
            # Zalo may have delivered it anyway: keep the text's hash so that its echo is known as ours.
            _record(svc, message_id, index, user, None, hashed)
            tries = channel.transient_failure(message_id)
            log.warning("zalo message %d not sent (%s), try %d", message_id, exc.detail, tries)
            if tries >= MAX_TRANSIENT:
                _mark(svc, message_id, Outcome.FAILED, _note(svc, "no_answer", detail=exc.detail))
                return Outcome.FAILED
            return Outcome.RETRY
        except ZaloError as exc:
            log.error("zalo refused message %d: error %s", message_id, exc.code)
            _mark(svc, message_id, Outcome.FAILED, _note(svc, "refused", code=exc.code))
            return Outcome.FAILED
        # One commit per part; the last part's commit also marks the message sent.
        _record(
            svc,
            message_id,
            index,
            user,
            str(data.get("message_id") or "")[:128] or "unknown",
            hashed,
            sent=index == last,
        )
    if last in done:  # every part had gone before (a retry after a crash): only the mark was missing
        _mark(svc, message_id, Outcome.SENT)
    channel.transient_success(message_id, account)
    log.info("zalo message %d sent (%d parts)", message_id, len(parts))
    return Outcome.SENT


def _record(
    svc: Services,
    message_id: int,
    part: int,
    user: str,
    zalo_msg_id: Optional[str],
    hashed: Optional[str],
    sent: bool = False,
) -> None:
    """Keep what Zalo accepted (or may have: no msg id) for one part; optionally mark the message sent."""
    with svc.db.session() as session:
        session.add(
            ZaloSent(
                message_id=message_id,
                part=part,
                user_id=user,
                zalo_msg_id=zalo_msg_id,
                text_hash=hashed,
                sent_at=utcnow(),
            )
        )
        if sent:
            session.execute(
                update(Message).where(Message.id == message_id).values(delivery="sent", delivery_error=None)
            )


def pending(svc: Services, limit: int = 100) -> List[tuple]:
    """(message id, conversation id) of pending Zalo messages, oldest first."""
    with svc.db.session() as session:
        return list(
            session.execute(
                select(Message.id, Message.conversation_id)
                .join(Conversation, Message.conversation_id == Conversation.id)
                .where(Conversation.channel == "zalo", Message.delivery == "pending")
                .order_by(Message.id)
                .limit(limit)
            )
        )


def _deliver_conversation(
    svc: Services, channel, conv_id: int, message_ids: List[int], deadline: float, oa_id: Optional[str] = None
) -> int:
    """Send one conversation's pending messages in order; stop at the first that cannot go now."""
    sent = 0
    account = channel.account(oa_id)
    for message_id in message_ids:
        if channel.paused(account) or time.monotonic() > deadline:
            break
        outcome = deliver_one(svc, channel, message_id)
        if outcome == Outcome.SENT:
            sent += 1
        elif outcome == Outcome.RETRY:
            channel.hold_conversation(conv_id)
            break
        elif outcome == Outcome.PAUSED:
            break
    return sent


def deliver_citizen(svc: Services, channel, user_id: str, budget_s: float = 20.0) -> int:
    """Send one citizen's pending messages now (right after their event was processed)."""
    with svc.db.session() as session:
        row = session.execute(
            select(Conversation.id, Conversation.channel_account).where(
                Conversation.channel == "zalo", Conversation.external_id == user_id
            )
        ).first()
        if row is None or channel.conversation_waiting(row.id):
            return 0
        conv_id, oa_id = row.id, row.channel_account
        ids = list(
            session.scalars(
                select(Message.id)
                .where(Message.conversation_id == conv_id, Message.delivery == "pending")
                .order_by(Message.id)
            )
        )
    if channel.paused(channel.account(oa_id)):
        return 0
    return _deliver_conversation(svc, channel, conv_id, ids, time.monotonic() + budget_s, oa_id)


def deliver_due(svc: Services, channel, limit: int = 200, budget_s: float = 20.0, pool=None) -> int:
    """Send what is pending: in order within a conversation, conversations side by side (`pool`); the
    conversations of an OA whose sending is paused wait."""
    by_conv: Dict[int, List[int]] = {}
    accounts: Dict[int, Optional[str]] = {}
    for message_id, conv_id, oa_id in _pending_with_account(svc, limit):
        if conv_id not in accounts:
            accounts[conv_id] = oa_id
        if not channel.conversation_waiting(conv_id) and not channel.paused(channel.account(oa_id)):
            by_conv.setdefault(conv_id, []).append(message_id)
    deadline = time.monotonic() + budget_s
    if pool is None or len(by_conv) <= 1:
        return sum(
            _deliver_conversation(svc, channel, cid, ids, deadline, accounts[cid]) for cid, ids in by_conv.items()
        )
    futures = [
        pool.submit(_deliver_conversation, svc, channel, cid, ids, deadline, accounts[cid])
        for cid, ids in by_conv.items()
    ]
    return sum(f.result() for f in futures)


def _pending_with_account(svc: Services, limit: int) -> List[tuple]:
    """(message id, conversation id, the conversation's OA) of pending Zalo messages, oldest first."""
    with svc.db.session() as session:
        return list(
            session.execute(
                select(Message.id, Message.conversation_id, Conversation.channel_account)
                .join(Conversation, Message.conversation_id == Conversation.id)
                .where(Conversation.channel == "zalo", Message.delivery == "pending")
                .order_by(Message.id)
                .limit(limit)
            )
        )
