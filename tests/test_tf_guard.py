"""Keeping TensorFlow out of the serving process only when the model never needs it."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

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
