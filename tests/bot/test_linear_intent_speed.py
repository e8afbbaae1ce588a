"""bot/nlu/linear_intent.py's speed-only paths give exactly what Rasa's general ones give: the sentence features
as `Message.get_sparse_features` combines them, the scores as the product with the stored float32 weights."""

from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import linear_intent


def _message(rng: np.random.Generator) -> Message:
    message = Message({TEXT: "không nhận được mã otp"})
    for origin, width in (("words", 7), ("lemmas", 11), ("chars", 23)):
        for kind, rows in ((FEATURE_TYPE_SEQUENCE, 5), (FEATURE_TYPE_SENTENCE, 1)):
            counts = scipy.sparse.random(rows, width, density=0.3, format="coo", random_state=rng, dtype=np.float64)
            counts.data = np.ceil(counts.data * 3)
            message.add_features(Features(counts, kind, TEXT, origin))
    message.add_features(Features(np.ones((1, 4)), FEATURE_TYPE_SENTENCE, TEXT, "dense"))
    return message


def test_sentence_features_are_rasas_combination():
    rng = np.random.default_rng(3)
    for _ in range(5):
        message = _message(rng)
        ours = linear_intent._sentence_features(message)
        theirs = scipy.sparse.csr_matrix(message.get_sparse_features(TEXT)[1].features)
        assert ours.shape == theirs.shape == (1, 41)
        assert (ours != theirs).nnz == 0
    assert linear_intent._sentence_features(Message({TEXT: "chào"})) is None


def test_scores_are_the_same_numbers():
    rng = np.random.default_rng(5)
    coef = rng.standard_normal((6, 41)).astype(np.float32)
    weights = {
        "coef": coef,
        "intercept": rng.standard_normal(6).astype(np.float32),
        "classes": np.array([f"i{k}" for k in range(6)]),
        "idf": rng.uniform(1, 3, 41),
    }
    classifier = linear_intent.LinearIntentClassifier({}, None, None, weights)
    messages = [_message(rng) for _ in range(4)]
    x = linear_intent.tfidf(linear_intent._features(messages, width=41), weights["idf"])
    expected = linear_intent.softmax(
        (np.asarray(x @ coef.T) + weights["intercept"]) * classifier._config["temperature"]
    )
    assert np.array_equal(classifier.probabilities(messages), expected)
