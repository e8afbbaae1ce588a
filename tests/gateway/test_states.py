"""The one owner of conversation and handoff state: each move sets both sides, and refuses a move its state does
not allow (unit tests: plain objects, no database)."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from gateway.services import states
from gateway.services.states import ConversationState as C, HandoffStatus as H

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)


def pair():
    conv = SimpleNamespace(state=C.BOT, assigned_staff_id=None, gateway_prompt="callback_offer")
    handoff = SimpleNamespace(status=None, claimed_at=None, claimed_by_id=None, outcome=None, resolved_at=None)
    return conv, handoff


def test_the_states_are_the_stored_words():
    assert C.WITH_STAFF == "with_staff" and H.CLAIMED == "claimed" and str(C.CLOSED) == "closed"
    assert f"{H.RESOLVED}" == "resolved"


def test_request_claim_return():
    conv, handoff = pair()
    states.requested(conv, handoff)
    assert (conv.state, handoff.status) == (C.WAITING, H.WAITING)
    states.claimed(conv, handoff, 7, NOW)
    assert (conv.state, conv.assigned_staff_id, conv.gateway_prompt) == (C.WITH_STAFF, 7, None)
    assert (handoff.status, handoff.claimed_by_id, handoff.claimed_at) == (H.CLAIMED, 7, NOW)
    with pytest.raises(states.TransitionError):
        states.claimed(conv, handoff, 8, NOW)  # claimed twice: the second loses
    states.returned(conv, handoff)
    assert (conv.state, conv.assigned_staff_id, handoff.status) == (C.BOT, None, H.RETURNED)
    with pytest.raises(states.TransitionError):
        states.returned(conv, handoff)


def test_resolve_tells_whether_the_citizen_was_with_a_person_and_closed_goes_back_to_the_bot():
    conv, handoff = pair()
    states.requested(conv, handoff)
    assert states.resolved(conv, handoff, "got_in", NOW) is True
    assert (conv.state, handoff.status, handoff.outcome, conv.gateway_prompt) == (C.CLOSED, H.RESOLVED, "got_in", None)
    with pytest.raises(states.TransitionError):
        states.resolved(conv, handoff, "other", NOW)
    states.bot_answered(conv)
    assert conv.state == C.BOT
    conv, handoff = pair()
    states.requested(conv, handoff)
    states.claimed(conv, handoff, 1, NOW)
    states.returned(conv, handoff)
    assert states.resolved(conv, handoff, "other", NOW) is False  # back with the bot already: nothing to say


def test_a_take_over_from_zalos_page_is_claimed_by_no_console_user():
    conv, handoff = pair()
    states.requested(conv, handoff)
    states.taken_over(conv, handoff, NOW)
    assert (conv.state, conv.assigned_staff_id, handoff.status, handoff.claimed_by_id) == (
        C.WITH_STAFF,
        None,
        H.CLAIMED,
        None,
    )
    with pytest.raises(states.TransitionError):
        states.taken_over(conv, handoff, NOW)
