"""tools/frontier.py's pieces that decide its figures: clusters of everyday talk are split at
training and added back together at prediction, and scoring follows the blind evaluation."""

import numpy as np
import scipy.sparse

from tools.frontier import OOS, merged, score, split_labels
from tools.model_compare import Outcome


def test_only_everyday_talk_is_split_into_clusters():
    X = scipy.sparse.csr_matrix(np.array([[1, 0], [0, 1], [1, 0], [0, 1], [1, 1]], float))
    labels = np.array([OOS, OOS, OOS, OOS, "crisis"])
    out = split_labels(X, labels, 2)
    assert out[-1] == "crisis"
    assert {o.split("#")[0] for o in out[:4]} == {OOS}
    assert out[0] == out[2] and out[1] == out[3] and out[0] != out[1]  # like with like


def test_cluster_probabilities_are_added_back_into_out_of_scope():
    classes = ["crisis", f"{OOS}#0", f"{OOS}#1", "greet"]
    probs = np.array([[0.4, 0.3, 0.2, 0.1]])
    names, out = merged(probs, classes)
    assert names == ["crisis", "greet", OOS]
    assert np.allclose(out, [[0.4, 0.1, 0.5]])  # out_of_scope now wins over crisis


def test_scoring_counts_a_check_in_as_caught_crisis_and_as_an_alarm():
    items = [{"text": "a", "category": "crisis"}, {"text": "b"}, {"text": "c"}]
    check_in = Outcome(OOS, "concern")
    counts = score(items, [check_in, check_in, Outcome(OOS)])
    assert counts == {"crisis": [1, 1], "alarms": [1, 2]}


def test_look_alikes_as_their_own_class_weigh_what_they_are_told():
    from tools.frontier import NEAR, train

    X = scipy.sparse.csr_matrix(np.eye(6))
    labels = np.array([OOS, OOS, NEAR, NEAR, "crisis", "crisis"])
    clf = train(X, labels, "look-alikes own x0.4")
    balanced = len(labels) / (3 * 2)
    assert clf.class_weight[NEAR] == 0.4 * balanced
    assert clf.class_weight[OOS] == clf.class_weight["crisis"] == balanced
    assert train(X, labels, "look-alikes own").class_weight == "balanced"
