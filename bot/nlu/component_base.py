"""What the untrained NLU components of this package share (sentences.py, error_screens.py, context_signals.py,
sensitive_signal.py): a Rasa graph component that takes its config and neither trains nor persists, the
measurement switches, the two edits they make to a parse (the intent, an entity) and the intent names they reason
about.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

FALLBACK = "nlu_fallback"
PROBLEM = "problem_"
SAFETY = ("share_secret", "report_scam")  # never overridden: their answers come first


def switch(name: str) -> bool:
    """A measurement switch: on unless the environment says 0."""
    return os.environ.get(name, "1") != "0"


def set_intent(message: Message, name: str, confidence: float) -> None:
    """Make `name` the message's intent, first in its ranking."""
    chosen = {"name": name, "confidence": confidence}
    message.set(INTENT, chosen, add_to_output=True)
    ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != name]
    message.set(INTENT_RANKING_KEY, [chosen] + ranking, add_to_output=True)


def add_entity(message: Message, entity: str, value: str, start: int, end: int, extractor: str) -> None:
    """Add an entity (confidence 1, found by `extractor`) to the message's entities."""
    entities = list(message.get(ENTITIES) or [])
    entities.append(
        {"entity": entity, "value": value, "start": start, "end": end, "confidence_entity": 1.0, "extractor": extractor}
    )
    message.set(ENTITIES, entities, add_to_output=True)


class UntrainedComponent(GraphComponent):
    """Shared plumbing: config in, no training, no persistence."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UntrainedComponent":
        """Creates the component (see Rasa's GraphComponent)."""
        return cls(config)
