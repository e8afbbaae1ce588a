"""What a staff member may see and touch: the one place that says it (the province edition's isolation).

A commune's staff and admins see only their commune's conversations (and everything hanging off one: messages,
handoffs, call-back requests, transcript openings), its audit entries, its hotline calls, its staff accounts and
their sessions. A province account (`Staff.commune_id` None) sees every commune, and may narrow a list to one
(`only`). A conversation of no commune yet (a provincial Zalo OA conversation before the citizen named theirs)
is seen by province accounts only.

Callers ask by id and get the row or None, and answer None with 404 — never 403: a refusal would tell a commune
that another commune's conversation 41 exists. Lists add a WHERE clause (`conversations`, `handoffs`, `audit`,
`staff`, …) so what is not visible is never read.

`gateway/services/tenant.py` (the commune the work speaks for) is about words only; nothing here reads it.
"""

from __future__ import annotations

from typing import Any, Optional, Set

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from gateway.models import AuditLog, CallbackRequest, Conversation, Handoff, HotlineCall, Message, Staff, StaffSession


def commune_ids(staff: Staff) -> Optional[Set[int]]:
    """The communes `staff` sees: None for every one (a province account), else its own."""
    if staff is None:
        return set()
    return None if staff.commune_id is None else {staff.commune_id}


def sees(staff: Staff, commune_id: Optional[int]) -> bool:
    """Whether `staff` sees what belongs to `commune_id` (None: the province's, or a conversation of no commune
    yet: province accounts only)."""
    if staff is None:
        return False
    return staff.commune_id is None or (commune_id is not None and commune_id == staff.commune_id)


def chosen(staff: Staff, value: Any) -> Optional[int]:
    """The commune a province account picked for a list (a query argument: its id), or None for all of them. A
    commune account's choice is ignored: it sees its own commune whatever it asks."""
    if staff is None or staff.commune_id is not None:
        return None
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _narrow(stmt: Select, column, staff: Staff, only: Optional[int]) -> Select:
    if staff is None:
        return stmt.where(false())
    if staff.commune_id is not None:
        return stmt.where(column == staff.commune_id)
    if only is not None:
        return stmt.where(column == only)
    return stmt


def conversations(stmt: Select, staff: Staff, only: Optional[int] = None) -> Select:
    """`stmt` (selecting from or joined with `conversations`) narrowed to the conversations `staff` sees."""
    return _narrow(stmt, Conversation.commune_id, staff, only)


def handoffs(stmt: Select, staff: Staff, only: Optional[int] = None) -> Select:
    """`stmt` selecting handoffs, joined with their conversations and narrowed to those `staff` sees."""
    return conversations(stmt.join(Conversation, Handoff.conversation_id == Conversation.id), staff, only)


def audit(stmt: Select, staff: Staff, only: Optional[int] = None) -> Select:
    """`stmt` selecting audit entries narrowed to those of the communes `staff` sees (a commune's admins: their
    commune's; the province's own entries, `commune_id` None, only province accounts)."""
    return _narrow(stmt, AuditLog.commune_id, staff, only)


def staff_accounts(stmt: Select, staff: Staff, only: Optional[int] = None) -> Select:
    """`stmt` selecting staff accounts narrowed to those `staff` manages (a commune's: its commune's; province
    accounts are seen by province accounts only)."""
    return _narrow(stmt, Staff.commune_id, staff, only)


def hotline_calls(stmt: Select, staff: Staff, only: Optional[int] = None) -> Select:
    """`stmt` selecting hotline calls narrowed to the communes `staff` sees."""
    return _narrow(stmt, HotlineCall.commune_id, staff, only)


def visible_conversation(session: Session, staff: Staff, conv_id: Any) -> Optional[Conversation]:
    """The conversation if `staff` may see it, else None (the caller answers 404)."""
    conv = session.get(Conversation, conv_id) if isinstance(conv_id, int) else None
    return conv if conv is not None and sees(staff, conv.commune_id) else None


def visible_handoff(session: Session, staff: Staff, handoff_id: Any) -> Optional[Handoff]:
    """The handoff if `staff` may see its conversation, else None."""
    row = session.get(Handoff, handoff_id) if isinstance(handoff_id, int) else None
    return row if row is not None and sees(staff, row.conversation.commune_id) else None


def visible_callback(session: Session, staff: Staff, callback_id: Any) -> Optional[CallbackRequest]:
    """The call-back request if `staff` may see its conversation, else None."""
    row = session.get(CallbackRequest, callback_id) if isinstance(callback_id, int) else None
    if row is None:
        return None
    return row if visible_conversation(session, staff, row.conversation_id) is not None else None


def visible_message(session: Session, staff: Staff, message_id: Any) -> Optional[Message]:
    """The message if `staff` may see its conversation, else None."""
    row = session.get(Message, message_id) if isinstance(message_id, int) else None
    return row if row is not None and sees(staff, row.conversation.commune_id) else None


def visible_audit(session: Session, staff: Staff, entry_id: Any) -> Optional[AuditLog]:
    """The audit entry if it belongs to a commune `staff` sees, else None."""
    row = session.get(AuditLog, entry_id) if isinstance(entry_id, int) else None
    return row if row is not None and sees(staff, row.commune_id) else None


def visible_staff(session: Session, staff: Staff, staff_id: Any) -> Optional[Staff]:
    """The staff account if `staff` manages it (its commune's, or any for a province account), else None."""
    row = session.get(Staff, staff_id) if isinstance(staff_id, int) else None
    return row if row is not None and sees(staff, row.commune_id) else None


def visible_session(session: Session, staff: Staff, record_id: Any) -> Optional[StaffSession]:
    """A staff session record if its account is one `staff` manages, else None."""
    row = session.get(StaffSession, record_id) if isinstance(record_id, int) else None
    return row if row is not None and visible_staff(session, staff, row.staff_id) is not None else None


def visible_staff_ids(session: Session, staff: Staff) -> Set[int]:
    """The ids of every account `staff` manages (for lists keyed by account: sessions, login waits)."""
    return set(session.scalars(staff_accounts(select(Staff.id), staff)))
