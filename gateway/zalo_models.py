"""Tables of the Zalo channel (storage, beside gateway/models.py: the services that keep and erase data read them
too): the durable inbound event queue, the OA tokens, what was sent, and leases.

- `zalo_events`: every signed webhook event, stored before the 200 answer; the worker processes it later. The raw
  body (which may hold an unredacted secret the citizen typed) is cleared as soon as the event is processed.
- `zalo_tokens`: one row per Official Account: the current access token and the single-use refresh token, rotated
  durably. Row id 1 (no `oa_id`) is the installation's primary OA (ZALO_ACCESS_TOKEN / ZALO_REFRESH_TOKEN); a
  commune's own OA under the same Zalo app has a row with its `oa_id` (`flask zalo-connect`).
- `zalo_sent`: the Zalo message id of every part the gateway sent (to recognise its own echoes); no text.
- `zalo_leases`: named leases (`worker`, `refresh`) so that two processes never process or refresh at once,
  on SQLite as on PostgreSQL (an atomic conditional UPDATE, no lock held during HTTP calls).
"""

from __future__ import annotations

import hashlib

from datetime import datetime
from typing import Optional

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models import Base, utcnow


class ZaloEvent(Base):
    """One webhook event: queued → processing → done | ignored | failed."""

    __tablename__ = "zalo_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    msg_id: Mapped[str] = mapped_column(String(190), unique=True)  # message.msg_id, or a synthetic key
    event_name: Mapped[str] = mapped_column(String(48))
    user_id: Mapped[Optional[str]] = mapped_column(String(64), index=True)  # the citizen (for per-citizen order)
    # the Official Account it is for (a user event's recipient, an echo's sender, a follow's oa_id); None: unknown
    # (events queued before several OAs were served: the primary OA's)
    oa_id: Mapped[Optional[str]] = mapped_column(String(64))
    # Zalo's `timestamp` (epoch ms, when the citizen sent it): a citizen's events are processed in this order,
    # whatever order their webhooks came in
    sent_at_ms: Mapped[Optional[int]] = mapped_column(BigInteger)
    body: Mapped[Optional[str]] = mapped_column(Text)  # the exact body received; None once processed
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    processed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    error: Mapped[Optional[str]] = mapped_column(String(200))


class ZaloToken(Base):
    """One OA's tokens (id 1, `oa_id` None: the primary OA's). `version` grows with every refresh."""

    __tablename__ = "zalo_tokens"
    __table_args__ = (UniqueConstraint("oa_id", name="uq_zalo_tokens_oa_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    oa_id: Mapped[Optional[str]] = mapped_column(String(64))  # a commune's own OA; None: the primary OA
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # SHA-256 of the ZALO_REFRESH_TOKEN the row was seeded from: a new one in the environment re-seeds the row
    seed_hash: Mapped[Optional[str]] = mapped_column(String(64))


class ZaloSent(Base):
    """One part (text chunk or image) of an outbound message, as accepted by Zalo."""

    __tablename__ = "zalo_sent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    part: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(64))
    zalo_msg_id: Mapped[Optional[str]] = mapped_column(String(128), index=True)
    text_hash: Mapped[Optional[str]] = mapped_column(String(64), index=True)  # SHA-256 of the text part, no text
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ZaloLease(Base):
    """A named lease held by one process until `until`."""

    __tablename__ = "zalo_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[Optional[str]] = mapped_column(String(64))
    until: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))


def text_hash(text: str) -> str:
    """The hash kept for a sent text part (`ZaloSent.text_hash`: its echo is recognised without keeping the text)."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()
