"""Reading a long message sentence by sentence: SentenceSplitter (first in the pipeline) sends each sentence and
clause of a message through the classifier beside the whole; SentenceVote (after the classifiers) removes them again
and lets a login problem said with confidence in one of them decide a vaguer whole. `split_parts` and
`split_sentences` are the plain splitting, usable without a pipeline.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import errors
from bot.nlu.component_base import FALLBACK, PROBLEM, SAFETY, UntrainedComponent, set_intent, switch
from bot.nlu.error_screens import ERROR_MATCH

PART_OF = "vneid_part_of"  # set on a sentence's message: the index of the whole message it comes from
PART_LEVEL = "vneid_part_level"  # 0: a sentence, 1: a clause of a sentence (less context: considered second)
VOTE_OUTPUT = "sentence_vote"  # in the parse result when a sentence decided: {"sentence": n, "intent", "confidence"}

# Sentence ends (not the dots of "dichvucong.thanhhoa.gov.vn" or "01.07.2024"), and clause breaks.
_SENTENCE = re.compile(r"(?<=[.!?;…])\s+|\n+|(?<=[!?…])(?=[^\s!?….])")
_WORDS = re.compile(r"\w+")
_CLAUSE = re.compile(r",\s+|\s+(?:nhưng mà|nhưng|nhung|mà)\s+(?=\S+\s+\S+)", re.IGNORECASE)


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


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceSplitter(UntrainedComponent):
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
        if not switch("VNEID_SENTENCE_VOTE"):
            return messages
        out = list(messages)
        for index, message in enumerate(messages):
            if message.get(PART_OF) is not None:
                continue
            if switch("VNEID_ERROR_CATALOGUE"):
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
class SentenceVote(UntrainedComponent, IntentClassifier):
    """After the classifiers: removes the sentence messages and lets a sentence decide the whole message's intent
    when it is a login problem said with confidence (`min_confidence`) and the whole was vaguer
    (`problem_replaces`: not understood, out of scope, a greeting, "bị lỗi", a request to be guided…) or a
    problem said with less than `keep_whole_above`. Whole sentences are heard before clauses (a clause has less
    context: in "quét mà nó không nhận", "nó không nhận" alone sounds like a missing OTP). The safety intents are
    never overridden. Without a problem, a sentence asking to be guided (`guide_intents`) decides a whole that was
    not understood or out of scope. The choice is in the parse result (`sentence_vote`)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # a sentence asking to be guided decides a whole that said no more than one of these
        vague = [FALLBACK, "out_of_scope", "greet", "goodbye", "thank", "affirm", "deny", "request_human"]
        guide = ["start_login", "helping_relative"]
        return {
            "min_confidence": 0.8,
            "keep_whole_above": 0.6,
            # a problem sentence decides a whole that was one of these (vaguer than a problem: also "bị lỗi" and a
            # request to be guided); a precise whole ("cách nhập mật khẩu, không quét mã") stays
            "problem_replaces": vague + ["step_failed"] + guide,
            "guide_intents": guide,
            "guide_replaces": vague,
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
        set_intent(whole, name, confidence)
        whole.set(VOTE_OUTPUT, {"sentence": number, "intent": name, "confidence": confidence}, add_to_output=True)
