"""Rasa components that read the messy messages: long ones sentence by sentence, pasted error screens, another
purpose or a relative mentioned beside the login.

Order in config.yml (each is explained where it is defined):

    SentenceSplitter        first: a message of several sentences also travels as one message per sentence
    (tokenizer, featurizers, LinearIntentClassifier, FallbackClassifier)   classify the whole and every sentence
    SentenceVote            the sentences go; a confident login problem in one of them wins over a vaguer whole
    ErrorCatalogueMatcher   a message the screens show (content/errors.yml) decides the problem
    ContextSignals          entities `purpose` and `helper`; the classifier's guess checked against them (a problem
                            needs a word of logging in unless said with confidence; another service's account is
                            out of scope)
    SensitiveDataSignal     last (bot/nlu/sensitive_signal.py): secrets

Measurement switches (environment, read per message; for `make eval` comparisons only): VNEID_SENTENCE_VOTE=0 and
VNEID_ERROR_CATALOGUE=0 turn the two off.
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import errors, signals

PART_OF = "vneid_part_of"  # set on a sentence's message: the index of the whole message it comes from
PART_LEVEL = "vneid_part_level"  # 0: a sentence, 1: a clause of a sentence (less context: considered second)
ERROR_MATCH = "vneid_error_match"  # the catalogue's match, found once by the splitter ("none" when nothing)
VOTE_OUTPUT = "sentence_vote"  # in the parse result when a sentence decided: {"sentence": n, "intent", "confidence"}
ERROR_OUTPUT = "error_message"  # in the parse result when the catalogue decided: {"key", "problem", "steps"}
FALLBACK = "nlu_fallback"
PROBLEM = "problem_"
SAFETY = ("share_secret", "report_scam")  # never overridden: their answers come first

# Sentence ends (not the dots of "dichvucong.thanhhoa.gov.vn" or "01.07.2024"), and clause breaks.
_SENTENCE = re.compile(r"(?<=[.!?;…])\s+|\n+|(?<=[!?…])(?=[^\s!?….])")
_WORDS = re.compile(r"\w+")
_CLAUSE = re.compile(r",\s+|\s+(?:nhưng mà|nhưng|nhung|mà)\s+(?=\S+\s+\S+)", re.IGNORECASE)


def _switch(name: str) -> bool:
    """A measurement switch: on unless the environment says 0."""
    return os.environ.get(name, "1") != "0"


def split_parts(text: str, min_words: int = 3) -> List[Tuple[str, int]]:
    """The sentences of a message (level 0), then the clauses of each ("…, nhưng …", "… mà …": level 1), each of at
    least `min_words` words and other than the whole message; [] when the message is one piece."""

    def key(value: str) -> str:
        return " ".join(_WORDS.findall(value.lower()))

    sentences, clauses = [], []
    for sentence in _SENTENCE.split(text or ""):
        sentence = sentence.strip()
        if len(sentence.split()) < min_words:
            continue
        sentences.append(sentence)
        pieces = [c.strip() for c in _CLAUSE.split(sentence) if c and len(c.split()) >= min_words]
        if len(pieces) > 1:
            clauses += pieces
    whole, seen, out = key(text or ""), set(), []
    for part, level in [(s, 0) for s in sentences] + [(c, 1) for c in clauses]:
        if key(part) != whole and key(part) not in seen:
            seen.add(key(part))
            out.append((part, level))
    return out


def split_sentences(text: str, min_words: int = 3) -> List[str]:
    """The texts of split_parts: sentences first, then clauses."""
    return [part for part, _ in split_parts(text, min_words)]


def _set_intent(message: Message, name: str, confidence: float) -> None:
    """Make `name` the message's intent, first in its ranking."""
    chosen = {"name": name, "confidence": confidence}
    message.set(INTENT, chosen, add_to_output=True)
    ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != name]
    message.set(INTENT_RANKING_KEY, [chosen] + ranking, add_to_output=True)


def _add_entity(message: Message, entity: str, value: str, start: int, end: int, extractor: str) -> None:
    entities = list(message.get(ENTITIES) or [])
    entities.append(
        {"entity": entity, "value": value, "start": start, "end": end, "confidence_entity": 1.0, "extractor": extractor}
    )
    message.set(ENTITIES, entities, add_to_output=True)


class _Component(GraphComponent):
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
    ) -> "_Component":
        """Creates the component (see Rasa's GraphComponent)."""
        return cls(config)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceSplitter(_Component):
    """First in the pipeline: a message of several sentences (or clauses) and at least `min_message_words` words is
    followed, in the list of messages the pipeline classifies, by one message per sentence (at most `max_parts`),
    marked with the index of their whole.
    A message holding a screen message of the catalogue is not split (the catalogue decides it anyway; the match is
    kept for ErrorCatalogueMatcher). Training data is left alone. SentenceVote removes the sentences again after
    classification."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_parts": 8, "min_words": 3, "min_message_words": 8}

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples are single pieces already: unchanged."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """The messages, then the sentences of each."""
        if not _switch("VNEID_SENTENCE_VOTE"):
            return messages
        out = list(messages)
        for index, message in enumerate(messages):
            if message.get(PART_OF) is not None:
                continue
            if _switch("VNEID_ERROR_CATALOGUE"):
                match = errors.find(message.get(TEXT) or "")
                message.set(ERROR_MATCH, match or "none")
                if match is not None:
                    continue
            text = message.get(TEXT) or ""
            if len(text.split()) < self._config["min_message_words"]:
                continue  # a short message is read well as a whole
            parts = split_parts(text, self._config["min_words"])[: self._config["max_parts"]]
            for part, level in parts:
                sentence = Message(data={TEXT: part})
                sentence.set(PART_OF, index)
                sentence.set(PART_LEVEL, level)
                out.append(sentence)
        return out


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SentenceVote(_Component, IntentClassifier):
    """After the classifiers: removes the sentence messages and lets a sentence decide the whole message's intent
    when it is a login problem said with confidence (`min_confidence`) and the whole was vaguer
    (`problem_replaces`: not understood, out of scope, a greeting, "bị lỗi", a request to be guided…) or a
    problem said with less than `keep_whole_above`. Whole sentences are heard before clauses (a clause has less
    context: in "quét mà nó không nhận", "nó không nhận" alone sounds like a missing OTP). The safety intents are
    never overridden. Without a problem, a sentence asking to be guided (`guide_intents`) decides a whole that was
    not understood or out of scope. The choice is in the parse result (`sentence_vote`)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "min_confidence": 0.8,
            "keep_whole_above": 0.6,
            # a problem sentence decides a whole that was one of these (vaguer than a problem); a precise whole
            # ("cách nhập mật khẩu, không quét mã") stays
            "problem_replaces": [
                FALLBACK,
                "out_of_scope",
                "greet",
                "goodbye",
                "thank",
                "affirm",
                "deny",
                "request_human",
                "step_failed",
                "start_login",
                "helping_relative",
            ],
            "guide_intents": ["start_login", "helping_relative"],
            "guide_replaces": [
                FALLBACK,
                "out_of_scope",
                "greet",
                "goodbye",
                "thank",
                "affirm",
                "deny",
                "request_human",
            ],
        }

    def process(self, messages: List[Message]) -> List[Message]:
        """The whole messages, each with its intent decided."""
        wholes = [m for m in messages if m.get(PART_OF) is None]
        parts: Dict[int, List[Message]] = {}
        for m in messages:
            if m.get(PART_OF) is not None:
                parts.setdefault(m.get(PART_OF), []).append(m)
        for index, whole in enumerate(wholes):
            if index in parts:
                self._decide(whole, parts[index])
        return wholes

    def _decide(self, whole: Message, sentences: List[Message]) -> None:
        intent = whole.get(INTENT) or {}
        name, confidence = intent.get("name") or "", float(intent.get("confidence") or 0.0)
        if name in SAFETY:
            return
        threshold = self._config["min_confidence"]
        scored = [
            (
                float((s.get(INTENT) or {}).get("confidence") or 0.0),
                (s.get(INTENT) or {}).get("name") or "",
                n,
                s.get(PART_LEVEL) or 0,
            )
            for n, s in enumerate(sentences)
        ]
        problems = [s for s in scored if s[1].startswith(PROBLEM) and s[0] >= threshold]
        if problems:
            level = min(p[3] for p in problems)  # sentences before clauses
            best = max(p for p in problems if p[3] == level)
            if name.startswith(PROBLEM):
                if confidence < self._config["keep_whole_above"] and confidence < best[0]:
                    self._choose(whole, best)
            elif name in self._config["problem_replaces"]:
                self._choose(whole, best)
            return
        if name in self._config["guide_replaces"]:
            guides = [s for s in scored if s[1] in self._config["guide_intents"] and s[0] >= threshold]
            if guides:
                self._choose(whole, max(guides))

    @staticmethod
    def _choose(whole: Message, best: tuple) -> None:
        confidence, name, number = best[:3]
        _set_intent(whole, name, confidence)
        whole.set(VOTE_OUTPUT, {"sentence": number, "intent": name, "confidence": confidence}, add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ErrorCatalogueMatcher(_Component, IntentClassifier):
    """A message that holds one of the texts the screens show (content/errors.yml, re-read when it changes) gets
    that entry's problem as its intent (confidence 1), the entity `error` (the entry's key, over the matched text)
    and `error_message` in the parse result. Safety intents keep theirs; an entry naming an unknown problem is
    ignored."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def process(self, messages: List[Message]) -> List[Message]:
        if not _switch("VNEID_ERROR_CATALOGUE"):
            return messages
        for message in messages:
            match = message.get(ERROR_MATCH)
            if match is None:  # the splitter did not look (switched off)
                match = errors.find(message.get(TEXT) or "")
            if not isinstance(match, errors.Match) or (message.get(INTENT) or {}).get("name") in SAFETY:
                continue
            if match.problem not in _problem_codes():
                continue
            _set_intent(message, PROBLEM + match.problem, 1.0)
            _add_entity(message, "error", match.key, match.start, match.end, self.__class__.__name__)
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


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ContextSignals(_Component, IntentClassifier):
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
                _add_entity(message, "purpose", purpose.value, purpose.start, purpose.end, self.__class__.__name__)
            relative = signals.helper(text)
            if relative:
                _add_entity(message, "helper", relative.value, relative.start, relative.end, self.__class__.__name__)
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
            _set_intent(
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
            _set_intent(message, "out_of_scope", confidence)
        elif intent == FALLBACK and purpose and not signals.mentions_login(text):
            _set_intent(message, "out_of_scope", confidence)
