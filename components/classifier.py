"""Jaga's intent classifier: Rasa's logistic regression, stored without skops.

`FastLogisticRegressionClassifier` is Rasa's LogisticRegressionClassifier with another file
format. Rasa stores the scikit-learn model with skops, and `import skops.io` runs
`sklearn.utils.all_estimators()`, which imports every scikit-learn module (and pytest, through
sklearn.utils._testing): seconds of every cold start and tens of MB, to load one linear model.
This class stores what a fitted LogisticRegression needs to predict (coefficients, intercepts,
class names) as plain numpy arrays (`allow_pickle=False`, so loading runs no code) and JSON.
Training and prediction are Rasa's own; the loaded coefficients are kept column-major so
prediction does not copy them on every message.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FastLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Rasa's logistic-regression intent classifier, stored as arrays instead of skops."""

    def __init__(self, config, name, model_storage, resource) -> None:
        super().__init__(config, name, model_storage, resource)
        # Rasa's class fixes C at scikit-learn's default; candidates may set it.
        self.clf.C = float(self.config.get("C", 1.0))

    def persist(self) -> None:
        clf = self.clf
        if not hasattr(clf, "coef_"):
            return  # nothing was trained (no intent examples)
        with self._model_storage.write_to(self._resource) as model_dir:
            np.save(model_dir / "coef.npy", clf.coef_, allow_pickle=False)
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
                coef = np.load(model_dir / "coef.npy", allow_pickle=False)
                intercept = np.load(model_dir / "intercept.npy", allow_pickle=False)
                classes = json.loads((model_dir / "classes.json").read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("No trained %s found; it will predict nothing.", cls.__name__)
            return component
        clf = component.clf
        # Column-major, so the `coef_.T` scikit-learn multiplies by is C-contiguous: scipy then
        # multiplies the sparse features by it in place instead of copying the whole
        # (features x intents) matrix on every message (2.5 ms a message at 86k features).
        clf.coef_ = np.asfortranarray(coef)
        clf.intercept_ = intercept
        clf.classes_ = np.array(classes)
        clf.n_features_in_ = coef.shape[1]
        clf.n_iter_ = np.array([0])
        return component
