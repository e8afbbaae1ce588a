"""The linear intent classifier (bot/nlu/linear_intent.py): trains, stores numbers only, loads, ranks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.linear_intent import WEIGHTS_FILE, LinearIntentClassifier, inverse_document_frequency, tfidf

# Three "words" per intent: feature columns 0-2 say greet, 3-5 say otp, 6-8 say password.
WIDTH = 9
INTENTS = {"greet": 0, "problem_otp_not_received": 3, "problem_wrong_password": 6}


def message(columns, intent=None) -> Message:
    row = np.zeros((1, WIDTH))
    for c in columns:
        row[0, c] += 1
    data = {TEXT: "x" * len(columns)}
    if intent:
        data[INTENT] = intent
    m = Message(data=data)
    m.add_features(Features(scipy.sparse.coo_matrix(row), "sentence", TEXT, "test"))
    return m


def training() -> TrainingData:
    examples = []
    for intent, first in INTENTS.items():
        for k in range(3):
            examples.append(message([first + k, first + (k + 1) % 3], intent))
    return TrainingData(examples)


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


@pytest.mark.parametrize("model", ["svm", "logreg"])
def test_trains_ranks_and_reloads_the_same(storage, model):
    resource = Resource("linear")
    config = {"model": model, "C": 2.0, "temperature": 16}
    trained = LinearIntentClassifier.create(config, storage, resource, None)
    trained.train(training())
    probe = [message([0]), message([4, 5]), message([7])]
    trained.process(probe)
    assert [m.get(INTENT)["name"] for m in probe] == list(INTENTS)
    for m in probe:
        ranking = m.get(INTENT_RANKING_KEY)
        assert len(ranking) == 3
        assert ranking[0]["confidence"] >= ranking[1]["confidence"] >= ranking[2]["confidence"]
        assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)

    loaded = LinearIntentClassifier.load(config, storage, resource, None)
    again = [message([0]), message([4, 5]), message([7])]
    loaded.process(again)
    assert [m.get(INTENT_RANKING_KEY) for m in again] == [m.get(INTENT_RANKING_KEY) for m in probe]


def test_stores_numbers_only(storage, tmp_path):
    resource = Resource("linear")
    LinearIntentClassifier.create({}, storage, resource, None).train(training())
    with storage.read_from(resource) as directory:
        with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as stored:  # raises if anything is pickled
            assert sorted(stored.files) == ["classes", "coef", "idf", "intercept"]
            assert stored["coef"].shape == (3, WIDTH)


def test_temperature_sharpens_without_changing_the_order(storage):
    resource = Resource("linear")
    LinearIntentClassifier.create({}, storage, resource, None).train(training())
    soft = LinearIntentClassifier.load({"temperature": 1}, storage, resource, None)
    sharp = LinearIntentClassifier.load({"temperature": 16}, storage, resource, None)
    probe = [message([1, 2])]
    p_soft, p_sharp = soft.probabilities(probe)[0], sharp.probabilities(probe)[0]
    assert np.argsort(p_soft).tolist() == np.argsort(p_sharp).tolist()
    assert p_sharp.max() > p_soft.max()


def test_a_message_without_features_and_an_untrained_model_do_not_fail(storage):
    resource = Resource("linear")
    untrained = LinearIntentClassifier.load({}, storage, Resource("nothing"), None)
    m = Message(data={TEXT: ""})
    assert untrained.process([m]) == [m] and m.get(INTENT) is None

    LinearIntentClassifier.create({}, storage, resource, None).train(training())
    m = Message(data={TEXT: "…"})  # no features at all (e.g. only punctuation)
    LinearIntentClassifier.load({}, storage, resource, None).process([m])
    assert m.get(INTENT)["name"] in INTENTS


def test_tfidf_rows_have_unit_length_and_repeats_count_less():
    counts = scipy.sparse.csr_matrix(np.array([[1, 0, 0], [4, 1, 0], [0, 0, 0]], dtype=float))
    weighted = tfidf(counts, inverse_document_frequency(counts)).toarray()
    assert np.linalg.norm(weighted[0]) == pytest.approx(1.0)
    assert np.linalg.norm(weighted[1]) == pytest.approx(1.0)
    assert not weighted[2].any()
    # four times the word weighs 1 + log 4 (sublinear), not four times as much
    assert weighted[1, 0] / weighted[1, 1] < 4
