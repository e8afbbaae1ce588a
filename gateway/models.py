"""The gateway's tables: communes (the tenants), conversations, messages (redacted), handoffs and their events,
callbacks, staff, settings, audit log. Schema changes go through Alembic (gateway/migrations)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, List, Optional

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, Index
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Timezone-aware now (stored as UTC)."""
    return datetime.now(timezone.utc)


def as_utc(value: Optional[datetime]) -> Optional[datetime]:
    """A stored time as an aware UTC datetime (None stays None): times are stored in UTC, and SQLite gives them
    back without a zone."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def rest_message(recipient_id: str, text: Optional[str], data: Optional[dict]) -> dict:
    """An outbound message in Rasa's REST channel format (text and/or buttons, image, custom)."""
    out: dict = {"recipient_id": recipient_id}
    if text:
        out["text"] = text
    out.update(data or {})
    return out


class Base(DeclarativeBase):
    """Declarative base of every gateway table."""


class Commune(Base):
    """A commune-level unit (xã or phường) served by this installation: its staff see only its conversations.

    `settings` holds what the commune fills in (hotline, address, hours text, portal: provincial | national |
    both); a value left out falls back to the province's (content/guide.yml `commune:`), and a hotline not yet
    confirmed is never given to citizens (gateway/services/communes.py)."""

    __tablename__ = "communes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(48), unique=True)  # quang-yen
    name: Mapped[str] = mapped_column(String(128))  # Xã Quảng Yên
    kind: Mapped[str] = mapped_column(String(8), default="xa")  # xa | phuong (xã | phường)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    old_names: Mapped[List[str]] = mapped_column(JSON, default=list)  # units merged into it, "Xã Quảng Long"
    zalo_oa_id: Mapped[Optional[str]] = mapped_column(String(64), unique=True)  # its own Official Account, if any
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Conversation(Base):
    """One citizen's conversation on one channel, in one commune (None: a provincial Zalo OA conversation whose
    citizen has not said their commune yet)."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_conversation_channel_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # rest | widget | zalo
    external_id: Mapped[str] = mapped_column(String(128))  # the channel's sender id
    rasa_sender_id: Mapped[str] = mapped_column(String(160), unique=True)
    # the channel's account it came through and its replies go out by (Zalo: the OA id); None: the primary one
    channel_account: Mapped[Optional[str]] = mapped_column(String(64))
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("communes.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="bot")  # bot | waiting | with_staff | closed
    flow: Mapped[Optional[str]] = mapped_column(String(1))
    step: Mapped[Optional[int]] = mapped_column(Integer)
    max_step: Mapped[Optional[int]] = mapped_column(Integer)  # furthest step reached in `flow` (funnel)
    problem: Mapped[Optional[str]] = mapped_column(String(40))
    problems_seen: Mapped[List[str]] = mapped_column(JSON, default=list)  # "code@step", for problems per step
    tried: Mapped[List[str]] = mapped_column(JSON, default=list)
    login_outcome: Mapped[Optional[str]] = mapped_column(String(16))
    gateway_prompt: Mapped[Optional[str]] = mapped_column(String(32))  # a question the gateway itself asked
    awaiting: Mapped[Optional[str]] = mapped_column(String(16))  # the bot's `awaiting` slot
    # when the citizen was told what is kept and how to delete it (services/privacy_notice.py); None: not yet
    privacy_notice_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    assigned_staff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    messages: Mapped[List["Message"]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan", passive_deletes=True
    )
    handoffs: Mapped[List["Handoff"]] = relationship(
        back_populates="conversation", order_by="Handoff.id", cascade="all, delete-orphan", passive_deletes=True
    )
    assigned_staff: Mapped[Optional["Staff"]] = relationship()
    commune: Mapped[Optional[Commune]] = relationship()


class Message(Base):
    """One message in or out. `text` is always redacted; secrets are never stored."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "idempotency_key", name="uq_message_idempotency"),
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    author: Mapped[str] = mapped_column(String(8))  # citizen | bot | staff | system
    staff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff.id"))
    text: Mapped[Optional[str]] = mapped_column(Text)
    data: Mapped[Optional[dict]] = mapped_column(JSON)  # buttons, image, custom payload
    sensitive: Mapped[Optional[List[str]]] = mapped_column(JSON)  # kinds removed from this message
    idempotency_key: Mapped[Optional[str]] = mapped_column(String(128))
    # Inbound only: received (stored, not yet answered) | answered | failed (bot unreachable; a retry reprocesses)
    status: Mapped[Optional[str]] = mapped_column(String(10))
    reply_to_id: Mapped[Optional[int]] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    # Outbound on push channels (Zalo): pending | sent | failed | blocked (outside the reply window); None when
    # the channel reads replies itself (REST answer, widget history).
    delivery: Mapped[Optional[str]] = mapped_column(String(10), index=True)
    delivery_error: Mapped[Optional[str]] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    staff: Mapped[Optional["Staff"]] = relationship()

    def as_rest(self, recipient_id: str) -> dict:
        """This outbound message in Rasa's REST channel format."""
        return rest_message(recipient_id, self.text, self.data)


class Handoff(Base):
    """A request for a person, from the bot's payload or the citizen's button, until it is resolved."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)
    # waiting | claimed | returned | resolved
    reason: Mapped[str] = mapped_column(String(16))
    flow: Mapped[Optional[str]] = mapped_column(String(1))
    step: Mapped[Optional[int]] = mapped_column(Integer)
    problem: Mapped[Optional[str]] = mapped_column(String(40))
    tried: Mapped[List[str]] = mapped_column(JSON, default=list)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    claimed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    claimed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff.id"))
    first_staff_reply_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    callback_offered_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[Optional[str]] = mapped_column(String(16))  # got_in | needs_police | call_back | no_answer | other
    note: Mapped[Optional[str]] = mapped_column(Text)

    conversation: Mapped[Conversation] = relationship(back_populates="handoffs")
    claimed_by: Mapped[Optional["Staff"]] = relationship()
    events: Mapped[List["HandoffEvent"]] = relationship(
        back_populates="handoff", order_by="HandoffEvent.id", cascade="all, delete-orphan", passive_deletes=True
    )


class HandoffEvent(Base):
    """A step in a handoff's life: requested, claimed, staff_reply, returned, resolved, callback_*."""

    __tablename__ = "handoff_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    staff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    detail: Mapped[Optional[dict]] = mapped_column(JSON)

    handoff: Mapped[Handoff] = relationship(back_populates="events")


class CallbackRequest(Base):
    """A phone number given with explicit consent for a call back; kept apart from the transcript."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    consent_text: Mapped[str] = mapped_column(Text)
    consent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | called | closed
    called_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def masked_phone(self) -> str:
        """The number with all but the last three digits hidden."""
        digits = "".join(c for c in self.phone if c.isdigit())
        return "*" * max(0, len(digits) - 3) + digits[-3:]


class Staff(Base):
    """A staff account (role staff or admin) of one commune, or of the province when `commune_id` is None (a
    province admin sees every commune); passwords are argon2 hashes."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(8), default="staff")  # staff | admin
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("communes.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_admin(self) -> bool:
        """Admins manage staff, hours and the outage notice (of their commune; a province admin: of all)."""
        return self.role == "admin"

    @property
    def is_province(self) -> bool:
        """A province account: sees every commune (only admins are created without a commune)."""
        return self.commune_id is None


class Setting(Base):
    """A runtime setting editable from the console: working hours, holidays, outage notice."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class HotlineCall(Base):
    """The outcome of a hotline call, recorded by staff with the script aid: no personal data."""

    __tablename__ = "hotline_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff.id"))
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("communes.id"), index=True)
    flow: Mapped[Optional[str]] = mapped_column(String(1))
    last_step: Mapped[Optional[int]] = mapped_column(Integer)
    problem: Mapped[Optional[str]] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(16))  # got_in | needs_police | call_back | no_answer | other
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class AuditLog(Base):
    """Who did what and when, for every staff action."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff.id"))
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("communes.id"), index=True)  # None: the province's
    action: Mapped[str] = mapped_column(String(48))
    target: Mapped[Optional[str]] = mapped_column(String(128))
    detail: Mapped[Optional[dict]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    staff: Mapped[Optional[Staff]] = relationship()


class StaffSession(Base):
    """One staff login, from the login to its end (gateway/services/login_sessions.py): the session cookie carries
    a random id whose hash is `token_hash`; every request checks the record, so ending it ends the session."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    account: Mapped[str] = mapped_column(String(32))  # the account as it was at login (password, role)
    address: Mapped[Optional[str]] = mapped_column(String(64))
    user_agent: Mapped[Optional[str]] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), index=True)
    end_reason: Mapped[Optional[str]] = mapped_column(String(16))  # logout | password | role | disabled | admin | …

    staff: Mapped[Staff] = relationship()


class LoginThrottle(Base):
    """Failed staff logins of one account (or typed name) from one address (`scope` pair), or from every address
    (`scope` account, `address` empty), and the wait they impose (gateway/services/login_guard.py)."""

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("scope", "subject", "address", name="uq_login_throttle"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))  # pair | account
    subject: Mapped[str] = mapped_column(String(48))  # "staff:<id>", or "name:<keyed hash>" for unknown names
    address: Mapped[str] = mapped_column(String(64), default="")
    staff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff.id"), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    blocked_until: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
