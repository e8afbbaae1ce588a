"""Rasa component that flags secrets in a message and routes it to the `share_secret` intent.

Placed last in the pipeline (after the FallbackClassifier), so a message that carries an OTP, a password, an ID
number or a phone number is always answered with the safety warning — unless it describes a scam, whose answer
already covers it. The kinds found are added as `sensitive` entities for the actions to read; the original intent
stays in the intent ranking.

The other way round, the safety warning is never given without a secret: when the classifier says `share_secret`
but the text holds no secret and no placeholder ("hồ sơ của tôi bị trả lại là sao"), the next intent of the
ranking is taken, or `nlu_fallback` when that one is below `fallback_threshold` (the FallbackClassifier's).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import sensitive
from bot.nlu.component_base import FALLBACK, UntrainedComponent, add_entity, set_intent

SHARE_SECRET = "share_secret"
ENTITY = "sensitive"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SensitiveDataSignal(UntrainedComponent, IntentClassifier):
    """Overrides the intent with `share_secret` when the text carries a secret or its placeholder."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Intents whose answer already covers secrets and that must not be overridden."""
        return {"keep_intents": ["report_scam"], "fallback_threshold": 0.45}

    def __init__(self, config: Dict[Text, Any]) -> None:
        """Stores the config."""
        super().__init__(config)
        self._keep = set(config.get("keep_intents", []))
        self._threshold = float(config.get("fallback_threshold", 0.45))

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds `sensitive` entities and overrides the intent where secrets are found."""
        for message in messages:
            text = message.get(TEXT) or ""
            findings = [(f.kind, f.start, f.end) for f in sensitive.find_raw(text)]
            seen = {kind for kind, _, _ in findings}
            findings += [(kind, 0, len(text)) for kind in sensitive.find_placeholders(text) if kind not in seen]
            if not findings:
                if (message.get(INTENT) or {}).get("name") == SHARE_SECRET:
                    self._no_secret(message)
                continue
            for kind, start, end in findings:
                add_entity(message, ENTITY, kind, start, end, self.__class__.__name__)
            current = (message.get(INTENT) or {}).get("name")
            if current not in self._keep and current != SHARE_SECRET:
                set_intent(message, SHARE_SECRET, 1.0)
        return messages

    def _no_secret(self, message: Message) -> None:
        """`share_secret` without a secret: the next intent of the ranking, or `nlu_fallback` if unsure."""
        ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") not in (SHARE_SECRET, FALLBACK)]
        best = ranking[0] if ranking else None
        if best is None or float(best.get("confidence") or 0.0) < self._threshold:
            best = {"name": FALLBACK, "confidence": self._threshold}
            ranking = [best] + ranking
        message.set(INTENT, {"name": best["name"], "confidence": best["confidence"]}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
