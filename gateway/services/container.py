"""The gateway's collaborators, built once per app and shared by the blueprints."""
from __future__ import annotations

from dataclasses import dataclass, field

from gateway.config import Settings
from gateway.db import Database
from gateway.rasa_client import RasaClient
from gateway.services.ordering import ConversationLocks
from gateway.services.texts import Texts


@dataclass
class Services:
    """Settings, database, Rasa client, redactor, texts, locks."""

    settings: Settings
    db: Database
    rasa: RasaClient
    texts: Texts
    locks: ConversationLocks = field(default_factory=ConversationLocks)
    _redactor: object = None

    @property
    def redactor(self):
        """The spaCy-based redactor, built on first use (no work at import or app creation)."""
        if self._redactor is None:
            from gateway.privacy import Redactor

            self._redactor = Redactor.load()
        return self._redactor
