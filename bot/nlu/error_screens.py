"""The Rasa component for the messages the screens show: ErrorCatalogueMatcher makes the entry of content/errors.yml
found in a message its intent, its entity `error` and `error_message` in the parse result. Finding the entry is
bot/nlu/errors.py's job (plain Python, no Rasa); this module only applies it to the parse.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import errors
from bot.nlu.component_base import PROBLEM, SAFETY, UntrainedComponent, add_entity, set_intent, switch

ERROR_MATCH = "vneid_error_match"  # the catalogue's match, found once by the splitter ("none" when nothing)
ERROR_OUTPUT = "error_message"  # in the parse result when the catalogue decided: {"key", "problem", "steps"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ErrorCatalogueMatcher(UntrainedComponent, IntentClassifier):
    """A message that holds one of the texts the screens show (content/errors.yml, re-read when it changes) gets
    that entry's problem as its intent (confidence 1), the entity `error` (the entry's key, over the matched text)
    and `error_message` in the parse result. Safety intents keep theirs; an entry naming an unknown problem is
    ignored."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def process(self, messages: List[Message]) -> List[Message]:
        if not switch("VNEID_ERROR_CATALOGUE"):
            return messages
        for message in messages:
            match = message.get(ERROR_MATCH)
            if match is None:  # the splitter did not look (switched off)
                match = errors.find(message.get(TEXT) or "")
            if not isinstance(match, errors.Match) or (message.get(INTENT) or {}).get("name") in SAFETY:
                continue
            if match.problem not in _problem_codes():
                continue
            set_intent(message, PROBLEM + match.problem, 1.0)
            add_entity(message, "error", match.key, match.start, match.end, self.__class__.__name__)
            message.set(
                ERROR_OUTPUT,
                {"key": match.key, "problem": match.problem, "steps": list(match.steps)},
                add_to_output=True,
            )
        return messages


def _problem_codes() -> List[str]:
    """The problem codes of the guide (content/guide.yml), as the actions know them."""
    import content

    return content.load().problem_codes()
