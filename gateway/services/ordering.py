"""Per-conversation ordering: one message of a conversation is processed at a time, in arrival order.

Rasa's SQL tracker store must never see two writers on one conversation (RASA-NOTES.md), so the gateway
serialises each conversation. This lock is per process; with several workers, conversations are also routed to
one worker or serialised in the database (issue #8).
"""
from __future__ import annotations

import threading
from collections import defaultdict
from contextlib import contextmanager
from typing import DefaultDict, Iterator


class ConversationLocks:
    """A fair lock per conversation key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: DefaultDict[str, threading.Lock] = defaultdict(threading.Lock)
        self._users: DefaultDict[str, int] = defaultdict(int)

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        """Hold the conversation's lock for the duration of the block."""
        with self._guard:
            lock = self._locks[key]
            self._users[key] += 1
        lock.acquire()
        try:
            yield
        finally:
            lock.release()
            with self._guard:
                self._users[key] -= 1
                if self._users[key] == 0:
                    del self._users[key]
                    del self._locks[key]
