"""The one owner of conversation and handoff state: the states, the moves allowed between them, one function per
move. The console, the staff API, the worker and the Zalo channel change state only through here (via
gateway/services/handoff.py), so the rules live in one place.

    conversation:  bot ──request──▶ waiting ──claim──▶ with_staff ──return──▶ bot
                   waiting | with_staff ──resolve──▶ closed ──the citizen writes again──▶ bot
                   bot | waiting ──take over (a person answered from Zalo's OA page)──▶ with_staff
    handoff:       waiting ──claim──▶ claimed ──return──▶ returned;  waiting | claimed ──resolve──▶ resolved

Both are `str` enums: stored as the same words as before, and equal to them.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Optional


class ConversationState(str, Enum):
    """Who answers the citizen now."""

    BOT = "bot"
    WAITING = "waiting"  # a person was asked for; the bot still answers until one joins
    WITH_STAFF = "with_staff"  # a person answers; Rasa is paused
    CLOSED = "closed"  # staff resolved it; the citizen's next message goes to the bot again

    def __str__(self) -> str:
        return self.value


class HandoffStatus(str, Enum):
    """Where a request for a person is."""

    WAITING = "waiting"
    CLAIMED = "claimed"
    RETURNED = "returned"
    RESOLVED = "resolved"

    def __str__(self) -> str:
        return self.value


OPEN = (HandoffStatus.WAITING, HandoffStatus.CLAIMED)  # a handoff in the queue
WITH_A_PERSON = (ConversationState.WAITING, ConversationState.WITH_STAFF)  # asked for, or with, a person


class TransitionError(ValueError):
    """A move the state does not allow (a caller's bug, or a race another request won)."""


def _need(value, allowed, move: str) -> None:
    if value not in allowed:
        raise TransitionError(f"{move}: not from {value!r}")


def requested(conv, handoff) -> None:
    """A person is asked for: the handoff waits in the queue."""
    handoff.status = HandoffStatus.WAITING
    conv.state = ConversationState.WAITING


def claimed(conv, handoff, staff_id: Optional[int], now: datetime) -> None:
    """A staff member takes a waiting handoff (None: a person on Zalo's own OA page)."""
    _need(handoff.status, (HandoffStatus.WAITING,), "claim")
    handoff.status, handoff.claimed_at, handoff.claimed_by_id = HandoffStatus.CLAIMED, now, staff_id
    conv.state, conv.assigned_staff_id, conv.gateway_prompt = ConversationState.WITH_STAFF, staff_id, None


def taken_over(conv, handoff, now: datetime) -> None:
    """A person answered from Zalo's OA admin page: the conversation is with them (claimed by no console user)."""
    _need(conv.state, (ConversationState.BOT, ConversationState.WAITING, ConversationState.CLOSED), "take over")
    handoff.status, handoff.claimed_at, handoff.claimed_by_id = HandoffStatus.CLAIMED, now, None
    conv.state, conv.assigned_staff_id, conv.gateway_prompt = ConversationState.WITH_STAFF, None, None


def returned(conv, handoff) -> None:
    """Staff hand the conversation back to the bot."""
    _need(conv.state, (ConversationState.WITH_STAFF,), "return")
    handoff.status = HandoffStatus.RETURNED
    conv.state, conv.assigned_staff_id = ConversationState.BOT, None


def resolved(conv, handoff, outcome: str, now: datetime) -> bool:
    """Staff close the handoff with an outcome; True when the citizen was waiting for or with a person (they are
    then told, and asked whether it was solved)."""
    _need(handoff.status, OPEN + (HandoffStatus.RETURNED,), "resolve")
    handoff.status, handoff.outcome, handoff.resolved_at = HandoffStatus.RESOLVED, outcome, now
    conv.assigned_staff_id, conv.gateway_prompt = None, None
    if conv.state in WITH_A_PERSON:
        conv.state = ConversationState.CLOSED
        return True
    return False


def bot_answered(conv) -> None:
    """The bot answered the citizen: a closed conversation is the bot's again (the SQL path does the same)."""
    if conv.state == ConversationState.CLOSED:
        conv.state = ConversationState.BOT
