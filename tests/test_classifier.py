"""The intent classifier's lean prediction gives scikit-learn's probabilities and ranking."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.classifier import FastLogisticRegressionClassifier

INTENTS = ["crisis", "greet", "out_of_scope", "ask_report"]


def message(row: np.ndarray, intent: str | None = None) -> Message:
    data = {TEXT: "x", **({INTENT: intent} if intent else {})}
    m = Message(data=data)
    features = scipy.sparse.coo_matrix(row.reshape(1, -1))
    m.add_features(Features(features, FEATURE_TYPE_SENTENCE, TEXT, "test"))
    return m


def clusters(seed: int, n: int) -> tuple[np.random.Generator, np.ndarray, list]:
    """n rows of Poisson counts around one centre per intent, and the generator for more."""
    rng = np.random.default_rng(seed)
    centres = rng.poisson(1.0, size=(len(INTENTS), 40)).astype(float)
    return rng, centres, [(rng.poisson(centres[i % 4]), INTENTS[i % 4]) for i in range(n)]


def stored(tmp_path) -> tuple:
    return (
        LocalModelStorage(tmp_path),
        Resource("classifier"),
        ExecutionContext(GraphSchema({}), "classifier"),
    )


def test_loaded_model_predicts_what_scikit_learn_predicts(tmp_path):
    rng, centres, rows = clusters(7, 120)
    storage, resource, context = stored(tmp_path)
    config = {**FastLogisticRegressionClassifier.get_default_config(), "ranking_length": 3}
    trained = FastLogisticRegressionClassifier.create(config, storage, resource, context)
    trained.train(TrainingData([message(r.astype(float), i) for r, i in rows]))

    loaded = FastLogisticRegressionClassifier.load(config, storage, resource, context)
    tests = [rng.poisson(centres[i % 4]).astype(float) for i in range(20)]
    messages = loaded.process([message(r) for r in tests])
    expected = trained.clf.predict_proba(np.vstack(tests))  # scikit-learn, float64
    for m, probs in zip(messages, expected, strict=True):
        best = int(np.argmax(probs))
        assert m.get(INTENT)["name"] == trained.clf.classes_[best]
        assert abs(m.get(INTENT)["confidence"] - probs[best]) < 1e-5
        ranking = m.get("intent_ranking")
        assert len(ranking) == 3
        assert [r["confidence"] for r in ranking] == sorted(
            (r["confidence"] for r in ranking), reverse=True
        )
        assert all(type(r["confidence"]) is float for r in ranking)  # JSON-safe
    # Stored as one contiguous float32 matrix, features x intents.
    assert loaded._weights is not None
    assert loaded._weights.dtype == np.float32 and loaded._weights.flags.c_contiguous
    assert loaded._weights.shape == (40, len(INTENTS))


def test_features_of_several_featurizers_score_as_rasa_stacks_them(tmp_path):
    # Word and character n-grams arrive as two sparse matrices; the lean path multiplies each
    # by its slice of the weights, Rasa's stacks them first: the same ranking either way.
    rng = np.random.default_rng(3)
    storage = LocalModelStorage(tmp_path)
    resource = Resource("classifier")
    context = ExecutionContext(GraphSchema({}), "classifier")
    config = FastLogisticRegressionClassifier.get_default_config()

    def two_blocks(row: np.ndarray, intent: str | None = None) -> Message:
        m = Message(data={TEXT: "x", **({INTENT: intent} if intent else {})})
        for origin, part in (("words", row[:25]), ("chars", row[25:])):
            matrix = scipy.sparse.coo_matrix(part.reshape(1, -1))
            m.add_features(Features(matrix, FEATURE_TYPE_SENTENCE, TEXT, origin))
        return m

    centres = rng.poisson(1.0, size=(len(INTENTS), 40)).astype(float)
    rows = [(rng.poisson(centres[i % 4]).astype(float), INTENTS[i % 4]) for i in range(120)]
    trained = FastLogisticRegressionClassifier.create(config, storage, resource, context)
    trained.train(TrainingData([two_blocks(r, i) for r, i in rows]))
    loaded = FastLogisticRegressionClassifier.load(config, storage, resource, context)

    tests = [two_blocks(rng.poisson(centres[i % 4]).astype(float)) for i in range(20)]
    lean = loaded._scores(tests, loaded._weights)
    stacked = np.asarray(loaded._create_X(tests).astype(np.float32) @ loaded._weights)
    assert np.allclose(lean, stacked, atol=1e-4)
    expected = trained.clf.predict_proba(trained._create_X(tests))
    for m, probs in zip(loaded.process(tests), expected, strict=True):
        assert m.get(INTENT)["name"] == trained.clf.classes_[int(np.argmax(probs))]


def test_normalised_features_make_confidence_independent_of_length(tmp_path):
    # The same words said five times over (a long, rambling message) must not make the model
    # surer: with `binary_l2` the confidence is the same; with raw counts it climbs.
    rng = np.random.default_rng(11)
    centres = rng.poisson(1.0, size=(len(INTENTS), 40)).astype(float)
    rows = [(rng.poisson(centres[i % 4]).astype(float), INTENTS[i % 4]) for i in range(160)]
    tests = [rng.poisson(centres[i % 4]).astype(float) for i in range(12)]
    context = ExecutionContext(GraphSchema({}), "classifier")

    def confidences(normalise: str, repeat: int) -> list[tuple[str, float]]:
        (tmp_path / f"{normalise}-{repeat}").mkdir()
        storage = LocalModelStorage(tmp_path / f"{normalise}-{repeat}")
        resource = Resource("classifier")
        config = {**FastLogisticRegressionClassifier.get_default_config(), "normalise": normalise}
        trained = FastLogisticRegressionClassifier.create(config, storage, resource, context)
        trained.train(TrainingData([message(r, i) for r, i in rows]))
        loaded = FastLogisticRegressionClassifier.load(config, storage, resource, context)
        out = loaded.process([message(r * repeat) for r in tests])
        # the lean prediction agrees with scikit-learn on the same normalised features
        expected = trained.clf.predict_proba(
            trained._create_X([message(r * repeat) for r in tests])
        )
        got = [m.get(INTENT)["confidence"] for m in out]
        assert np.allclose(got, expected.max(axis=1), atol=1e-5)
        return [(m.get(INTENT)["name"], m.get(INTENT)["confidence"]) for m in out]

    once, five_times = confidences("binary_l2", 1), confidences("binary_l2", 5)
    assert [n for n, _ in once] == [n for n, _ in five_times]
    assert np.allclose([c for _, c in once], [c for _, c in five_times], atol=1e-5)
    raw_once, raw_five = confidences("none", 1), confidences("none", 5)
    assert sum(c for _, c in raw_five) > sum(c for _, c in raw_once) + 0.1


def test_an_unknown_normalisation_is_refused(tmp_path):
    config = {**FastLogisticRegressionClassifier.get_default_config(), "normalise": "l3"}
    context = ExecutionContext(GraphSchema({}), "classifier")
    with pytest.raises(ValueError, match="normalise"):
        FastLogisticRegressionClassifier.create(
            config, LocalModelStorage(tmp_path), Resource("classifier"), context
        )


def test_a_class_of_its_own_is_trained_apart_and_predicted_as_its_intent(tmp_path):
    """`own_class` examples train as their own class and come back as their intent's probability.

    Balanced class weights give each class the same total weight: as a class of their own, the
    extra everyday lines add weight instead of thinning out out_of_scope's other examples.
    """
    rng = np.random.default_rng(11)
    storage = LocalModelStorage(tmp_path)
    resource = Resource("classifier")
    context = ExecutionContext(GraphSchema({}), "classifier")
    config = FastLogisticRegressionClassifier.get_default_config()
    centres = rng.poisson(1.0, size=(5, 40)).astype(float)
    rows = [rng.poisson(centres[i % 4]).astype(float) for i in range(80)]
    messages = [message(row, INTENTS[i % 4]) for i, row in enumerate(rows)]
    texting = []  # a fifth kind of text, labelled out_of_scope, in its own block
    for _ in range(60):
        m = message(rng.poisson(centres[4]).astype(float), "out_of_scope")
        m.set("metadata", {"intent": {"own_class": "sms"}})
        texting.append(m)
    trained = FastLogisticRegressionClassifier.create(config, storage, resource, context)
    trained.train(TrainingData(messages + texting))
    assert "out_of_scope#sms" in [str(c) for c in trained.clf.classes_]  # trained apart

    loaded = FastLogisticRegressionClassifier.load(config, storage, resource, context)
    for model in (trained, loaded):  # predicted the same way at once and after loading
        tests = [message(rng.poisson(centres[4]).astype(float)) for _ in range(10)]
        for m in model.process(tests):
            ranking = m.get("intent_ranking")
            assert m.get(INTENT)["name"] == "out_of_scope"
            assert {r["name"] for r in ranking} == set(INTENTS)  # no "#" ever reaches the bot
            assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-4
    with_sms = trained.clf.predict_proba(np.vstack([rng.poisson(centres[4]) for _ in range(5)]))
    classes = [str(c) for c in trained.clf.classes_]
    assert with_sms[:, classes.index("out_of_scope#sms")].mean() > 0.5


def test_a_network_with_a_hidden_layer_is_served_as_scikit_learn_predicts(tmp_path):
    """`hidden`: the same features train a one-hidden-layer network, stored as plain arrays
    and applied lean; the loaded model gives scikit-learn's probabilities."""
    rng, centres, rows = clusters(11, 160)
    storage, resource, context = stored(tmp_path)
    config = {
        **FastLogisticRegressionClassifier.get_default_config(),
        "hidden": 8,
        "epochs": 200,
        "batch_size": 16,
    }
    trained = FastLogisticRegressionClassifier.create(config, storage, resource, context)
    trained.train(TrainingData([message(r.astype(float), i) for r, i in rows]))
    # served as trained, even by a config without `hidden`
    plain = FastLogisticRegressionClassifier.get_default_config()
    loaded = FastLogisticRegressionClassifier.load(plain, storage, resource, context)
    tests = [rng.poisson(centres[i % 4]).astype(float) for i in range(20)]
    messages = loaded.process([message(r) for r in tests])
    expected = trained._network.predict_proba(np.vstack(tests))
    right = 0
    for i, (m, probs) in enumerate(zip(messages, expected, strict=True)):
        best = int(np.argmax(probs))
        assert m.get(INTENT)["name"] == trained._network.classes_[best]
        assert abs(m.get(INTENT)["confidence"] - probs[best]) < 1e-4
        right += m.get(INTENT)["name"] == INTENTS[i % 4]
    assert right >= 16  # it learnt the four clusters
    assert loaded._weights is not None and loaded._weights.shape == (40, 8)
    assert loaded._output is not None and loaded._output.shape == (8, len(INTENTS))
