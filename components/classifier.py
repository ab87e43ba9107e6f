"""Jaga's intent classifier: Rasa's logistic regression, stored and applied lean.

`FastLogisticRegressionClassifier` is Rasa's LogisticRegressionClassifier with another file
format and a leaner prediction; training is Rasa's own, with `C` (regularisation), which
Rasa's class fixes, read from the config.

- Rasa stores the scikit-learn model with skops, and `import skops.io` runs
  `sklearn.utils.all_estimators()`, which imports every scikit-learn module (and pytest, through
  sklearn.utils._testing): seconds of every cold start and tens of MB, to load one linear model.
  This class stores what prediction needs (the weights, intercepts and class names) as plain
  numpy arrays (`allow_pickle=False`, so loading runs no code) and JSON.
- The weights are kept as one C-contiguous float32 (features x intents) matrix. scikit-learn's
  `predict_proba` multiplies the sparse features by `coef_.T`, which scipy copies on every
  message (the whole 100k x 27 float64 matrix: 2.5 ms a message here) and keeps twice the
  memory. Prediction here is the same softmax of the same linear scores, computed straight
  from that matrix: about 0.05 ms, half the memory; the probabilities agree with
  scikit-learn's to about 1e-6 (tests/test_classifier.py).
- `normalise` (config): each featurizer's sentence vector can be made unit length before the
  product, at training and at prediction alike. Raw counts let a long message pile up score
  for whichever intent its many common n-grams lean to, so long everyday text was read as a
  crisis with a confidence of 1.0; with `binary_l2` (each n-gram present or not, the vector
  scaled to length 1) a message's length no longer sets how sure the model is.
- A class of its own: examples whose block says `metadata: {own_class: NAME}` train as a class
  of their own (`out_of_scope#NAME`) and are added back into their intent at prediction. Rasa
  weighs the classes `balanced` (every intent's examples together weigh the same), so
  thousands of adult text messages labelled `out_of_scope` would thin out the weight of every
  other everyday example, Malay and Mandarin ones included, and push those towards `crisis`.
  As a class of their own they bring their own weight and take none from the rest.
- `hidden` (config): with a number of hidden units, the same features train a network with one
  hidden layer (scikit-learn's MLPClassifier: ReLU, Adam, `epochs` passes, `alpha` L2) instead
  of the logistic regression. A linear model adds up what each n-gram says on its own, so "mati"
  and "boss" each push a message towards or away from crisis whatever the other is; hidden units
  can read n-grams together ("mati" with a joke, a game or a pet is not "mati" alone). It is
  stored and applied the same lean way: the first layer is the same sparse product, then ReLU
  and a small dense one.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_RANKING_KEY,
    METADATA,
    METADATA_INTENT,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.base import files_fingerprint
from components.intents import CLASS_SPLIT as SPLIT  # out_of_scope#sms: folded back

logger = logging.getLogger(__name__)

WEIGHTS_FILE = "weights.npy"  # float32, features x intents (x hidden units with `hidden`)
OUTPUT_FILE = "output.npy"  # with `hidden`: float32, hidden units x intents
OUTPUT_INTERCEPT_FILE = "output_intercept.npy"
OLD_COEF_FILE = "coef.npy"  # models trained before: float64, intents x features
NORMALISE = ("none", "l2", "binary_l2", "log_l2")
OWN_CLASS = "own_class"  # block metadata: these examples train as a class of their own


def _one_row(block: scipy.sparse.spmatrix, how: str) -> tuple[np.ndarray, np.ndarray]:
    """The column indices and values of one featurizer's sentence row (a one-row sparse
    matrix), transformed as `how` says: the one definition of `normalise`, for training
    (`_create_X`) and prediction (`_lean_row`) alike. Plain numpy: a message's features are
    a few hundred non-zero columns of a 100k-column row.
    """
    rows = block.tocsr() if not scipy.sparse.isspmatrix_csr(block) else block
    if not rows.has_canonical_format:
        rows = rows.copy()
        rows.sum_duplicates()
    columns = rows.indices
    values = rows.data.astype(np.float32)  # a copy: the featurizer's matrix is left alone
    if how == "none" or not len(values):
        return columns, values
    if how == "binary_l2":
        values[:] = 1.0
    elif how == "log_l2":
        values = np.log1p(values)
    norm = float(np.sqrt(np.dot(values, values)))
    return columns, values / norm if norm else values


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FastLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Rasa's logistic-regression intent classifier, stored as arrays, applied as one product."""

    def __init__(self, config, name, model_storage, resource) -> None:
        super().__init__(config, name, model_storage, resource)
        # Rasa's class fixes C at scikit-learn's default; the config may set it.
        self.clf.C = float(self.config.get("C", 1.0))
        self._normalise = str(self.config.get("normalise") or "none")
        if self._normalise not in NORMALISE:
            raise ValueError(f"normalise must be one of {NORMALISE}, not {self._normalise!r}")
        self._weights: np.ndarray | None = None
        self._intercept: np.ndarray | None = None
        self._classes: List[str] = []  # the intents predicted (classes of their own folded in)
        self._fold: np.ndarray | None = None
        self._hidden = int(self.config.get("hidden") or 0)
        # with `hidden`: the output layer (hidden units x classes) and its intercept
        self._output: np.ndarray | None = None
        self._output_intercept: np.ndarray | None = None
        self._network: Any = None  # the trained MLPClassifier, until persisted

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str | None:
        return files_fingerprint(Path(__file__))

    @staticmethod
    def _label(example: Message) -> str:
        intent = str(example.get(INTENT))
        metadata = (example.get(METADATA) or {}).get(METADATA_INTENT) or {}
        own = metadata.get(OWN_CLASS) if isinstance(metadata, dict) else None
        return f"{intent}{SPLIT}{own}" if own else intent

    def _create_training_matrix(self, training_data: TrainingData) -> tuple:
        """Rasa's (X, y), with the examples of an `own_class` block labelled as their own class."""
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        return self._create_X(examples), [self._label(e) for e in examples]

    def train(self, training_data: TrainingData) -> Resource:
        if self._hidden:
            return self._train_network(training_data)
        resource = super().train(training_data)
        if hasattr(self.clf, "coef_"):  # predict the lean way at once, classes folded back
            self._use(
                np.ascontiguousarray(self.clf.coef_.T, dtype=np.float32),
                self.clf.intercept_,
                [str(c) for c in self.clf.classes_],
            )
        return resource

    def _train_network(self, training_data: TrainingData) -> Resource:
        """The one-hidden-layer network on the same (normalised) features; see `hidden`."""
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        X, y = self._create_training_matrix(training_data)
        if X.shape[0] == 0:
            return self._resource
        network = MLPClassifier(
            hidden_layer_sizes=(self._hidden,),
            alpha=float(self.config.get("alpha", 1e-4)),
            batch_size=int(self.config.get("batch_size", 256)),
            max_iter=int(self.config.get("epochs", 15)),
            random_state=self.config.get("random_state", 42),
        )
        with warnings.catch_warnings():  # a fixed number of passes, by choice
            warnings.simplefilter("ignore", ConvergenceWarning)
            network.fit(X.astype(np.float32), y)
        self._network = network
        (first, output), (first_intercept, output_intercept) = network.coefs_, network.intercepts_
        self._use(
            np.ascontiguousarray(first, dtype=np.float32),
            first_intercept,
            [str(c) for c in network.classes_],
        )
        self._output = np.ascontiguousarray(output, dtype=np.float32)
        self._output_intercept = output_intercept.astype(np.float32)
        self.persist()
        return self._resource

    def _use(self, weights: np.ndarray, intercept: np.ndarray, classes: List[str]) -> None:
        self._weights = weights
        self._intercept = intercept.astype(np.float32)
        self._classes = sorted({c.split(SPLIT)[0] for c in classes})
        # (classes x intents) 0/1: each trained class's probability goes to its intent
        self._fold = np.zeros((len(classes), len(self._classes)), dtype=np.float32)
        for i, c in enumerate(classes):
            self._fold[i, self._classes.index(c.split(SPLIT)[0])] = 1.0

    def persist(self) -> None:
        if self._hidden:
            weights, intercept = self._weights, self._intercept
            output, output_intercept = self._output, self._output_intercept
            if weights is None or intercept is None or output is None or output_intercept is None:
                return  # nothing was trained
            with self._model_storage.write_to(self._resource) as model_dir:
                np.save(model_dir / WEIGHTS_FILE, weights, allow_pickle=False)
                np.save(model_dir / "intercept.npy", intercept, allow_pickle=False)
                np.save(model_dir / OUTPUT_FILE, output, allow_pickle=False)
                np.save(model_dir / OUTPUT_INTERCEPT_FILE, output_intercept, allow_pickle=False)
                classes = [str(c) for c in self._network.classes_]
                (model_dir / "classes.json").write_text(json.dumps(classes), encoding="utf-8")
            return
        clf = self.clf
        if not hasattr(clf, "coef_"):
            return  # nothing was trained (no intent examples)
        with self._model_storage.write_to(self._resource) as model_dir:
            weights = np.ascontiguousarray(clf.coef_.T, dtype=np.float32)
            np.save(model_dir / WEIGHTS_FILE, weights, allow_pickle=False)
            np.save(model_dir / "intercept.npy", clf.intercept_, allow_pickle=False)
            (model_dir / "classes.json").write_text(
                json.dumps([str(c) for c in clf.classes_]), encoding="utf-8"
            )

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FastLogisticRegressionClassifier:
        component = cls(config, execution_context.node_name, model_storage, resource)
        try:
            with model_storage.read_from(resource) as model_dir:
                if (model_dir / WEIGHTS_FILE).exists():
                    weights = np.load(model_dir / WEIGHTS_FILE, allow_pickle=False)
                else:
                    coef = np.load(model_dir / OLD_COEF_FILE, allow_pickle=False)
                    weights = np.ascontiguousarray(coef.T, dtype=np.float32)
                intercept = np.load(model_dir / "intercept.npy", allow_pickle=False)
                classes = json.loads((model_dir / "classes.json").read_text(encoding="utf-8"))
                output = output_intercept = None
                if (model_dir / OUTPUT_FILE).exists():
                    output = np.load(model_dir / OUTPUT_FILE, allow_pickle=False)
                    output_intercept = np.load(
                        model_dir / OUTPUT_INTERCEPT_FILE, allow_pickle=False
                    )
        except (ValueError, FileNotFoundError):
            logger.warning("No trained %s found; it will predict nothing.", cls.__name__)
            return component
        component._use(weights, intercept, [str(c) for c in classes])
        if output is not None:  # a network: served as trained, whatever the config says now
            component._output, component._output_intercept = output, output_intercept
            return component
        # What scikit-learn would hold, for anything that asks (a view, no copy).
        clf = component.clf
        clf.coef_ = weights.T
        clf.intercept_ = intercept
        clf.classes_ = np.array(classes)
        clf.n_features_in_ = weights.shape[0]
        clf.n_iter_ = np.array([0])
        return component

    def _create_X(self, messages: List[Message]) -> scipy.sparse.csr_matrix:
        """Rasa's feature matrix, each featurizer's block normalised as configured."""
        if self._normalise == "none":
            return super()._create_X(messages)
        rows = []
        for message in messages:
            blocks = _sentence_blocks(message)
            if blocks is None:
                raise ValueError("`normalise` needs one sparse sentence row per featurizer")
            parts = []
            for block in blocks:
                columns, values = _one_row(block, self._normalise)
                pointers = np.array([0, len(values)])
                shape = (1, block.shape[1])
                parts.append(scipy.sparse.csr_matrix((values, columns, pointers), shape=shape))
            rows.append(scipy.sparse.hstack(parts))
        return scipy.sparse.csr_matrix(scipy.sparse.vstack(rows))

    def _scores(self, messages: List[Message], weights: np.ndarray) -> np.ndarray:
        """The linear scores of each message: its sentence features times the weights.

        Rasa's `_create_X` asks each message for its combined features, which deep-copies and
        stacks every featurizer's matrix, the sequence ones too (half of the classifier's time
        a message). The same columns in the same order are each featurizer's own sparse
        sentence matrix, side by side: each is multiplied by its slice of the weights. With
        dense features, or features that do not fit the weights, Rasa's path is taken.
        """
        rows = [self._lean_row(message, weights, self._normalise) for message in messages]
        lean = [row for row in rows if row is not None]
        if len(lean) == len(rows):
            return np.vstack(lean) if lean else np.zeros((0, weights.shape[1]), np.float32)
        return np.asarray(self._create_X(messages).astype(np.float32) @ weights)

    @staticmethod
    def _lean_row(message: Message, weights: np.ndarray, normalise: str) -> np.ndarray | None:
        """One message's scores from its featurizers' sparse sentence matrices, or None."""
        blocks = _sentence_blocks(message)
        if blocks is None or sum(b.shape[1] for b in blocks) != weights.shape[0]:
            return None
        row = np.zeros(weights.shape[1], dtype=np.float32)
        start = 0
        for block in blocks:
            width = block.shape[1]
            columns, values = _one_row(block, normalise)  # its few non-zero columns
            row += values @ weights[start + columns]
            start += width
        return row

    def process(self, messages: List[Message]) -> List[Message]:
        """The most likely intent and the ranking, as Rasa's `process` sets them."""
        weights, intercept = self._weights, self._intercept
        if self._output is not None and weights is not None and intercept is not None:
            hidden = np.maximum(self._scores(messages, weights) + intercept, 0.0)
            scores = hidden @ self._output + self._output_intercept
        elif weights is None or intercept is None or weights.shape[1] < 3:
            return super().process(messages)  # freshly trained, or a binary model
        else:
            scores = self._scores(messages, weights) + intercept
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=1, keepdims=True)
        if self._fold is not None and self._fold.shape[0] != self._fold.shape[1]:
            probs = probs @ self._fold
        length = int(self.config.get("ranking_length") or 0)
        for message, row in zip(messages, probs, strict=True):
            order = np.argsort(-row, kind="stable")
            ranking = [{"name": self._classes[i], "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            if length > 0:
                ranking = ranking[:length]
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages


def _sentence_blocks(message: Message) -> List[scipy.sparse.spmatrix] | None:
    """Each featurizer's sparse sentence matrix of the text, in pipeline order, or None."""
    blocks = [
        f.features
        for f in message.features
        if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE
    ]
    if not blocks or not all(scipy.sparse.issparse(b) and b.shape[0] == 1 for b in blocks):
        return None
    return blocks
