"""The gateway's collaborators, built once per app and shared by the blueprints."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Optional

from gateway.config import Settings
from gateway.db import Database
from gateway.rasa_client import RasaClient
from gateway.services.communes import Registry
from gateway.services.ordering import ConversationLocks, make_locks
from gateway.services.texts import Texts
from gateway.services.tracker_store import TrackerStore


@dataclass
class Services:
    """Settings, database, Rasa client, redactor, texts, locks, Rasa's tracker store (read side)."""

    settings: Settings
    db: Database
    rasa: RasaClient
    texts: Texts
    locks: Optional[ConversationLocks] = None
    tracker_store: Optional[TrackerStore] = None
    # limits per client address on new conversations and handoff requests (gateway.services.admission; set by
    # gateway.hardening; None: no limits, e.g. RATE_LIMITS=off or the worker, which has no client addresses)
    admission: Optional[object] = None
    communes: Optional[object] = None  # gateway.services.communes.Registry (built below)
    _redactor: object = None
    health_cache: dict = field(default_factory=dict)
    _redactor_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _numbers: tuple = (None, None, ())  # (guide, hotlines) they were built from, the published numbers

    def __post_init__(self) -> None:
        if self.locks is None:  # per conversation, first come first served; across workers through Redis
            self.locks = make_locks(self.settings.redis_url, self.settings.order_wait_s, self.settings.order_gap_wait_s)
        if self.tracker_store is None:
            self.tracker_store = TrackerStore(self.settings.tracker_db_url)
        if self.communes is None:
            self.communes = Registry(self.db, self.settings.default_commune)

    @property
    def redactor(self):
        """The privacy filter (vntext's detector), keeping the commune's published hotline as it is now."""
        if self._redactor is None:
            with self._redactor_lock:
                if self._redactor is None:
                    from gateway.privacy import Redactor

                    self._redactor = Redactor(self._public_numbers)
        return self._redactor

    def _public_numbers(self):
        """Published numbers left as they are: the guide's and the province's lines, every commune's own. The same
        tuple while neither the guide nor the communes changed (the redactor then skips comparing them)."""
        guide, hotlines = self.texts.guide.guide, self.communes.hotlines()
        guide_then, hotlines_then, numbers = self._numbers
        if guide is not guide_then or hotlines is not hotlines_then:
            places = [guide.get("commune") or {}, guide.get("province") or {}]
            own = [place.get(key) for place in places for key in ("hotline", "hotline_tel") if place.get(key)]
            numbers = tuple(own + list(hotlines))
            self._numbers = (guide, hotlines, numbers)
        return numbers
