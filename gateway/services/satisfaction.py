"""The citizen's word on a resolved handoff: asked once when staff resolve it ("Đã xong" / "Chưa được", one tap on
the widget and on Zalo), kept as an event of that handoff (`satisfaction`, {"solved": bool}) for analytics per
problem code and per staff member."""

from __future__ import annotations

from typing import Dict, List

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import Conversation, Handoff, HandoffEvent, Message
from gateway.services.messages import add_outbound

PROMPT = "satisfaction"  # the conversation's gateway_prompt while the question waits for its answer
KIND = "satisfaction"  # the handoff event


def ask(texts, session: Session, conv: Conversation) -> Message:
    """Ask the question (after the "resolved" message); the next message answers it or passes it by."""
    conv.gateway_prompt = PROMPT
    return add_outbound(session, conv, "system", texts.message("satisfaction_ask", "satisfaction"))


def record(session: Session, conv: Conversation, solved: bool) -> None:
    """Keep the answer on the conversation's latest resolved handoff (once: a second answer is not counted)."""
    handoff = session.scalar(
        select(Handoff)
        .where(Handoff.conversation_id == conv.id, Handoff.status == "resolved")
        .order_by(Handoff.id.desc())
        .limit(1)
    )
    if handoff is None:
        return
    if (
        session.scalar(select(HandoffEvent.id).where(HandoffEvent.handoff_id == handoff.id, HandoffEvent.kind == KIND))
        is not None
    ):
        return
    session.add(
        HandoffEvent(handoff=handoff, kind=KIND, staff_id=handoff.claimed_by_id, detail={"solved": bool(solved)})
    )


def answers(session: Session, handoff_ids: List[int]) -> Dict[int, bool]:
    """{handoff id: solved} for those of `handoff_ids` that were answered (the first answer of each)."""
    out: Dict[int, bool] = {}
    for start in range(0, len(handoff_ids), 500):  # bounded IN lists
        rows = session.execute(
            select(HandoffEvent.handoff_id, HandoffEvent.detail)
            .where(HandoffEvent.kind == KIND, HandoffEvent.handoff_id.in_(handoff_ids[start : start + 500]))
            .order_by(HandoffEvent.id)
        )
        for handoff_id, detail in rows:
            if isinstance(detail, dict) and isinstance(detail.get("solved"), bool):
                out.setdefault(handoff_id, detail["solved"])
    return out
