"""The Rasa component for what a message says besides its intent: ContextSignals turns what bot/nlu/signals.py
finds (plain Python, no Rasa) into the entities `purpose` and `helper`, and checks the classifier's guess against
them. Named after its component, as sensitive_signal.py is beside sensitive.py.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import signals
from bot.nlu.component_base import FALLBACK, PROBLEM, UntrainedComponent, add_entity, set_intent
from bot.nlu.error_screens import ERROR_OUTPUT


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ContextSignals(UntrainedComponent, IntentClassifier):
    """Adds the entities `purpose` (another thing the citizen wants to do: land, birth registration, pension…)
    and `helper` (the relative the citizen logs in for), from bot/nlu/signals.yml, and checks the classifier's
    guess against them:

    - a login problem guessed (not said by a screen message) on a message with no word of logging in at all
      (signals.yml `problem_words`) and with less than `problem_needs_words_below` confidence is ordinary text:
      out of scope ("Bác sĩ dặn tôi phải ăn nhạt" is no account problem); so is one about another service's
      account and not VNeID ("Tài khoản Facebook của tôi bị khóa": `other_services`);
    - `helping_relative` without any relative found takes the next intent of the ranking;
    - a message not understood (`nlu_fallback`) that names another public service and no login word is out of
      scope: the bot then answers with the hotline and a person, not "I did not understand"."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"problem_needs_words_below": 0.9}

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = signals.purposes(text)
            for purpose in found:
                add_entity(message, "purpose", purpose.value, purpose.start, purpose.end, self.__class__.__name__)
            relative = signals.helper(text)
            if relative:
                add_entity(message, "helper", relative.value, relative.start, relative.end, self.__class__.__name__)
            self._check(message, text, bool(found), bool(relative))
        return messages

    def _check(self, message: Message, text: str, purpose: bool, relative: bool) -> None:
        """The classifier's guess against the signals (see the class docstring)."""

        def current():
            intent = message.get(INTENT) or {}
            return intent.get("name") or "", float(intent.get("confidence") or 0.0)

        intent, confidence = current()
        if intent == "helping_relative" and not relative:
            ranking = [
                r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") not in ("helping_relative", FALLBACK)
            ]
            set_intent(
                message,
                ranking[0]["name"] if ranking else FALLBACK,
                float(ranking[0].get("confidence") or 0.0) if ranking else confidence,
            )
            intent, confidence = current()
        if (
            intent.startswith(PROBLEM)
            and not message.get(ERROR_OUTPUT)
            and (
                signals.about_another_service(text)
                or (confidence < self._config["problem_needs_words_below"] and not signals.about_logging_in(text))
            )
        ):
            set_intent(message, "out_of_scope", confidence)
        elif intent == FALLBACK and purpose and not signals.mentions_login(text):
            set_intent(message, "out_of_scope", confidence)
