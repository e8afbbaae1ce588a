"""Writes into Rasa's SQL tracker store (table `events`) that Rasa's own API does not offer: deleting a
citizen's conversation or old events, and masking a secret found after the fact in a stored user event.

Rasa 3.6 reads a conversation's events from this table on every message (no cache), so a change here is what
Rasa sees next. The read side is `tracker_store.py`.
"""
from __future__ import annotations

from typing import Iterable

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
