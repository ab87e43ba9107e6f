"""Keeps TensorFlow out of a process that serves a TensorFlow-free Rasa model.

Rasa 3.6 imports TensorFlow even when no component uses it: `import rasa.core.agent` ->
rasa.core.policies.policy -> rasa.core.featurizers.tracker_featurizers -> ... ->
rasa.utils.train_utils -> rasa.utils.tensorflow.callback -> tensorflow. That one import costs
several seconds and ~450 MB of resident memory (see reports/bench.md).

`block_tensorflow()` installs an import hook that answers `import tensorflow` (and keras,
tensorflow_hub, tensorflow_text, tensorflow_addons) with inert stand-ins, so Rasa's modules
still import (their classes subclass the stand-ins) but nothing of TensorFlow is loaded.
It is only safe for models none of whose components use TensorFlow; `model_uses_tensorflow`
reads that from the model's metadata without importing Rasa, and callers must check it first.
Any attempt to *use* a stand-in at run time (calling something other than a decorator,
arithmetic) raises, so a mistake fails loudly instead of computing nonsense.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import sys
import tarfile
import types
from pathlib import Path
from typing import Any

BLOCKED = (
    "tensorflow",
    "keras",
    "tensorflow_hub",
    "tensorflow_text",
    "tensorflow_addons",
    "tensorflow_probability",
)

# Components (by class name) that need TensorFlow at run time.
TF_COMPONENTS = {
    "DIETClassifier",
    "ResponseSelector",
    "TEDPolicy",
    "UnexpecTEDIntentPolicy",
    "ConveRTFeaturizer",
    "LanguageModelFeaturizer",
}


class TensorFlowBlocked(RuntimeError):
    pass


class _StubMeta(type):
    """Classes whose every attribute is another stub class: usable as base classes,
    decorators, type hints and default values at import time."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _stub_class(f"{cls.__qualname__}.{name}")

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        # `@tf.function` / `@tf.function(...)` / `tf.keras.utils.register_keras_serializable()`
        if len(args) == 1 and not kwargs and callable(args[0]):
            return args[0]
        if not args:
            return lambda fn: fn
        raise TensorFlowBlocked(
            f"{cls.__qualname__} called, but TensorFlow is blocked in "
            "this process (the model was expected to be TensorFlow-free)"
        )

    def __or__(cls, other: Any) -> Any:  # `tf.Tensor | None` in annotations
        return cls

    __ror__ = __or__

    def __getitem__(cls, item: Any) -> Any:
        return cls

    def __mro_entries__(cls, bases):  # pragma: no cover - classes are real already
        return (cls,)


def _stub_class(qualname: str) -> type:
    name = qualname.rsplit(".", 1)[-1]
    return _StubMeta(name, (), {"__qualname__": qualname, "__module__": "tensorflow"})


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        value = _stub_class(f"{self.__name__}.{name}")
        setattr(self, name, value)
        return value


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] in BLOCKED:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StubModule(spec.name)
        module.__path__ = []  # a package, so submodule imports come back here
        module.__version__ = "0.0.0-blocked"
        return module

    def exec_module(self, module):
        return None


_FINDER = _Finder()


def block_tensorflow() -> bool:
    """Installs the hook; False if TensorFlow was already imported (too late)."""
    if any(
        name in sys.modules and not isinstance(sys.modules[name], _StubModule) for name in BLOCKED
    ):
        return False
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    return True


def is_blocked() -> bool:
    return _FINDER in sys.meta_path


def model_components(model: Path) -> set[str]:
    """Class names of every graph node of a packed Rasa model (train and predict schema)."""
    names: set[str] = set()
    with tarfile.open(model, "r:gz") as archive:
        # The model's own metadata.json sits at the top; components may keep files of the
        # same name deeper down.
        members = [m for m in archive.getmembers() if Path(m.name).name == "metadata.json"]
        if not members:
            raise ValueError(f"{model} has no metadata.json")
        member = min(members, key=lambda m: len(Path(m.name).parts))
        metadata = json.load(archive.extractfile(member))  # type: ignore[arg-type]
    if not isinstance(metadata, dict):
        raise ValueError(f"{model}: unexpected metadata.json")
    for schema in ("train_schema", "predict_schema"):
        for node in ((metadata.get(schema) or {}).get("nodes") or {}).values():
            uses = str(node.get("uses", ""))
            names.add(uses.rsplit(".", 1)[-1])
    return names


def model_uses_tensorflow(model: Path) -> bool:
    """True unless the model's metadata shows no TensorFlow component (unreadable: True)."""
    try:
        return bool(model_components(model) & TF_COMPONENTS)
    except (OSError, ValueError, KeyError, tarfile.TarError):
        return True
