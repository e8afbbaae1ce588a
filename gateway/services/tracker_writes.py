"""Writes into Rasa's SQL tracker store (table `events`) that Rasa's own API does not offer: deleting a
citizen's conversation or old events, and masking a secret found after the fact in a stored user event.

Rasa 3.6 reads a conversation's events from this table on every message (no cache), so a change here is what
Rasa sees next. The read side is `tracker_store.py`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable, Optional

from sqlalchemy import create_engine, inspect, text

from gateway.db import engine_url


def delete_senders(url: str, senders: Iterable[str]) -> None:
    """Remove the senders' events from Rasa's SQL tracker store (no-op when the table does not exist yet)."""
    senders = [s for s in senders if s]
    if not senders:
        return
    engine = create_engine(engine_url(url))
    try:
        if not inspect(engine).has_table("events"):
            return
        with engine.begin() as connection:
            for sender in senders:
                connection.execute(text("DELETE FROM events WHERE sender_id = :s"), {"s": sender})
    finally:
        engine.dispose()


# Retention (`delete_events_before`). Rasa 3.6 reads a conversation's *current session* only (its events whose
# `timestamp` is at or after the latest `session_started`), and when it saves a turn it counts the stored rows of
# that session to know which of its in-memory events are new. So:
# - old rows of an earlier session are never read or counted again: deleting them is always safe;
# - a current session that began before the cutoff cannot lose only its old rows (Rasa would replay half a session:
#   a step without its flow). It goes whole, and the conversation starts afresh at its next message, once the
#   conversation has had no event for RASA_QUIET_S: Rasa is then not in the middle of a turn of it (a turn that
#   loaded the tracker before the delete and saved after it would store its events again, twice), and the session
#   has expired anyway (session_expiration_time: 60 minutes in bot/domain.yml). Until then its old rows wait for a
#   later run ("deferred": only a session going on without a one-hour pause since before the cutoff).
RASA_QUIET_S = 3600.0

_SENDERS_WITH_OLD_EVENTS = text(
    'SELECT DISTINCT sender_id FROM events WHERE "timestamp" < :cutoff AND sender_id > :after '
    "ORDER BY sender_id LIMIT :limit"
)
_DELETE_OLD_EVENTS = text(
    "DELETE FROM events WHERE sender_id = :s AND ("
    ' ("timestamp" < :cutoff AND "timestamp" < (SELECT max("timestamp") FROM events'
    "                                           WHERE sender_id = :s AND type_name = 'session_started'))"
    ' OR (NOT EXISTS (SELECT 1 FROM events WHERE sender_id = :s AND "timestamp" >= :quiet_since)'
    "     AND NOT EXISTS (SELECT 1 FROM events WHERE sender_id = :s AND type_name = 'session_started'"
    '                     AND "timestamp" >= :cutoff)))'
)
_COUNT_OLD_EVENTS = text('SELECT count(*) FROM events WHERE sender_id = :s AND "timestamp" < :cutoff')


@dataclass
class EventsPurged:
    """What `delete_events_before` did: rows deleted, conversations whose old rows wait for a later run."""

    deleted: int = 0
    deferred: int = 0


def delete_events_before(
    url: str, cutoff_ts: float, now_ts: Optional[float] = None, batch: int = 200, quiet_s: float = RASA_QUIET_S
) -> EventsPurged:
    """Delete the tracker-store events older than `cutoff_ts` (epoch seconds, Rasa's `timestamp` column), one
    conversation per transaction, `batch` conversations per scan. A current session that began before the cutoff
    goes whole, once the conversation has been quiet for `quiet_s` (see RASA_QUIET_S). Idempotent; no-op without
    an `events` table."""
    now_ts = time.time() if now_ts is None else now_ts
    out = EventsPurged()
    engine = create_engine(engine_url(url))
    try:
        if not inspect(engine).has_table("events"):
            return out
        after = ""
        while True:
            with engine.connect() as connection:
                senders = list(
                    connection.execute(
                        _SENDERS_WITH_OLD_EVENTS, {"cutoff": cutoff_ts, "after": after, "limit": batch}
                    ).scalars()
                )
            for sender in senders:
                params = {"s": sender, "cutoff": cutoff_ts, "quiet_since": now_ts - quiet_s}
                with engine.begin() as connection:
                    out.deleted += connection.execute(_DELETE_OLD_EVENTS, params).rowcount or 0
                    if connection.execute(_COUNT_OLD_EVENTS, params).scalar():
                        out.deferred += 1
            if len(senders) < batch:
                return out
            after = senders[-1]
    finally:
        engine.dispose()
