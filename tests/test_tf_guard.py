"""Keeping TensorFlow out of the serving process only when the model never needs it."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from bot.rasa_adapter import tf_guard
from bot.rasa_adapter.tf_guard import model_uses_tensorflow

ROOT = Path(__file__).resolve().parent.parent


def packed_model(tmp_path: Path, components: list[str], nested_list: bool = True) -> Path:
    """A model archive shaped like Rasa's: metadata.json at the top, others deeper down."""
    metadata = {
        "train_schema": {"nodes": {}},
        "predict_schema": {
            "nodes": {f"n{i}": {"uses": f"rasa.x.{name}"} for i, name in enumerate(components)}
        },
    }
    path = tmp_path / "model.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        files = {"components/train_x/metadata.json": [1, 2]} if nested_list else {}
        files["metadata.json"] = metadata
        for name, content in files.items():
            data = json.dumps(content).encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_jagas_own_model_needs_no_tensorflow():
    model = ROOT / "models" / "jaga.tar.gz"
    assert model.exists(), "make train first"
    assert model_uses_tensorflow(model) is False


def test_a_model_with_diet_or_ted_keeps_tensorflow(tmp_path):
    assert model_uses_tensorflow(packed_model(tmp_path, ["WhitespaceTokenizer", "DIETClassifier"]))
    assert model_uses_tensorflow(packed_model(tmp_path, ["RulePolicy", "TEDPolicy"]))


def test_a_tensorflow_free_model_is_recognised_despite_other_metadata_files(tmp_path):
    model = packed_model(tmp_path, ["WhitespaceTokenizer", "FastLogisticRegressionClassifier"])
    assert model_uses_tensorflow(model) is False


def test_an_unreadable_model_is_assumed_to_need_tensorflow(tmp_path):
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tar file")
    assert model_uses_tensorflow(broken) is True


def test_tensorflow_stand_ins_pass_decorators_and_raise_when_used():
    function = tf_guard.TENSORFLOW.stub_class("tensorflow.function")

    def step():
        return 1

    assert function(step) is step  # `@tf.function`
    assert function(jit_compile=True)(step) is step  # `@tf.function(...)`
    with pytest.raises(tf_guard.TensorFlowBlocked, match="TensorFlow is blocked"):
        tf_guard.TENSORFLOW.stub_class("tensorflow.constant")([1, 2])


def test_h5py_is_kept_out_with_tensorflow_as_if_not_installed():
    # the finder block_tensorflow() installs (asked directly: this process keeps h5py)
    with pytest.raises(ModuleNotFoundError, match="kept out of this process with TensorFlow"):
        tf_guard._KEEP_OUT.find_spec("h5py", None)
    with pytest.raises(ImportError):  # what thinc catches
        tf_guard._KEEP_OUT.find_spec("h5py._hl.files", None)
    assert tf_guard._KEEP_OUT.find_spec("numpy", None) is None
