"""A linear intent classifier on the sparse features: tf-idf weighting, then multinomial logistic regression or a
linear SVM. It trains in seconds where DIET's transformer takes minutes, and reads a message in a sparse dot
product (figures and the comparison with DIET: docs/benchmarks.md "Training time and pipeline choice").

It reads the sentence-level sparse features of the featurizers before it (counts of words, word pairs and character
n-grams over the whole message), weights them by tf-idf (sublinear term frequency, l2-normalised rows: a long
message does not outvote a short one), and keeps only the learnt weights: numbers in an `.npz` file, no pickle.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

log = logging.getLogger(__name__)

WEIGHTS_FILE = "linear_intent.npz"


def _sentence_features(message: Message) -> Optional[scipy.sparse.csr_matrix]:
    """The message's sentence-level sparse features of its text, every featurizer's side by side in pipeline order:
    the sentence half of Rasa's `Message.get_sparse_features(TEXT)`, without combining (and copying) the
    token-level features this classifier does not read."""
    blocks = [
        f.features
        for f in message.features
        if f.attribute == TEXT and f.is_sparse() and f.type == FEATURE_TYPE_SENTENCE
    ]
    if not blocks:
        return None
    return scipy.sparse.csr_matrix(scipy.sparse.hstack(blocks) if len(blocks) > 1 else blocks[0])


def _features(messages: List[Message], width: Optional[int] = None) -> scipy.sparse.csr_matrix:
    """One row per message: its sentence-level sparse features (all featurizers side by side); a message without
    them (or of another width than the trained one) gives a row of zeros."""
    found = [_sentence_features(message) for message in messages]
    if width is None:
        width = max((f.shape[1] for f in found if f is not None), default=0)
    rows = [f if f is not None and f.shape[1] == width else scipy.sparse.csr_matrix((1, width)) for f in found]
    return scipy.sparse.vstack(rows).tocsr() if rows else scipy.sparse.csr_matrix((0, width))


def tfidf(counts: scipy.sparse.csr_matrix, idf: np.ndarray) -> scipy.sparse.csr_matrix:
    """Sublinear tf (1 + log count) times idf, each row scaled to unit length."""
    weighted = counts.astype(np.float64).tocsr(copy=True)
    weighted.data = 1.0 + np.log(weighted.data)
    weighted = weighted.multiply(idf.reshape(1, -1)).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
    norms[norms == 0] = 1.0
    return scipy.sparse.diags(1.0 / norms) @ weighted


def inverse_document_frequency(counts: scipy.sparse.csr_matrix) -> np.ndarray:
    """Smoothed idf: log((1 + n) / (1 + df)) + 1, as scikit-learn computes it."""
    n = counts.shape[0]
    df = np.bincount(counts.tocsc().indices, minlength=counts.shape[1]) if counts.nnz else np.zeros(counts.shape[1])
    return np.log((1.0 + n) / (1.0 + df)) + 1.0


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(IntentClassifier, GraphComponent):
    """Intent by a linear model on tf-idf weighted sparse features (see the module docstring)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Featurizers come first."""
        return [Featurizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """`model`: svm (a linear SVM) or logreg (multinomial logistic regression); `C`: inverse regularisation;
        `temperature`: the scores are multiplied by it before the softmax that turns them into confidences (an SVM's
        margins are small numbers; the fallback threshold and the sentence vote read confidences);
        `ranking_length`: how many intents the ranking keeps."""
        return {"model": "svm", "C": 1.0, "temperature": 12.0, "max_iter": 5000, "ranking_length": 10}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        weights: Optional[Dict[str, np.ndarray]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._use(weights)

    def _use(self, weights: Optional[Dict[str, np.ndarray]]) -> None:
        """Keep the weights, and their transpose as float64 in row order, made once: the sparse product would
        otherwise convert and copy the whole float32 matrix (intents × features) for every message."""
        self._weights = weights
        self._coef_t = None if weights is None else np.ascontiguousarray(weights["coef"].T, dtype=np.float64)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        """A new, untrained classifier."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Learn the weights from the intent examples and store them."""
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            log.debug("LinearIntentClassifier: no intent examples, nothing to train")
            return self._resource
        counts = _features(examples)
        labels = [e.get(INTENT) for e in examples]
        idf = inverse_document_frequency(counts)
        coef, intercept, classes = self._fit(tfidf(counts, idf), labels)
        self._use({"coef": coef, "intercept": intercept, "classes": classes, "idf": idf})
        with self._storage.write_to(self._resource) as directory:
            np.savez(directory / WEIGHTS_FILE, **self._weights)
        return self._resource

    def _fit(self, x: scipy.sparse.csr_matrix, labels: List[str]) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        if self._config["model"] == "svm":
            model = LinearSVC(C=self._config["C"], random_state=0)
        else:
            model = LogisticRegression(C=self._config["C"], max_iter=self._config["max_iter"])
        model.fit(x, labels)
        coef, intercept = model.coef_, model.intercept_
        if len(model.classes_) == 2:  # scikit-learn keeps one row for two classes
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        return coef.astype(np.float32), intercept.astype(np.float32), np.array(model.classes_, dtype=str)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        """The trained classifier (untrained when nothing was stored)."""
        try:
            with model_storage.read_from(resource) as directory:
                with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as stored:
                    weights = {key: stored[key] for key in stored.files}
        except (ValueError, FileNotFoundError):
            log.debug("LinearIntentClassifier: no stored weights for %s", resource.name)
            weights = None
        return cls(config, model_storage, resource, weights)

    def probabilities(self, messages: List[Message]) -> np.ndarray:
        """One row of intent probabilities per message (columns in the order of the stored classes)."""
        w = self._weights
        x = tfidf(_features(messages, width=len(w["idf"])), w["idf"])
        scores = np.asarray(x @ self._coef_t) + w["intercept"]
        return softmax(scores * self._config["temperature"])

    def process(self, messages: List[Message]) -> List[Message]:
        """Set `intent` and `intent_ranking` on every message."""
        if not self._weights or not messages:
            return messages
        classes = self._weights["classes"]
        limit = self._config["ranking_length"]
        for message, row in zip(messages, self.probabilities(messages)):
            order = np.argsort(-row)[:limit]
            ranking = [{"name": str(classes[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data
