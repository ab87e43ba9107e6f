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
arithmetic) raises, so a mistake fails loudly instead of computing nonsense. It also keeps out
h5py (`KEPT_OUT`), which reads and writes Keras model files and which spaCy's thinc imports
only because it is installed (`import h5py` raises ModuleNotFoundError: 11-15 MB of a serving
process, docs/benchmarks.md).

`StandIns` is the stand-in machinery; `bot.rasa_adapter.lean_imports` uses it for more of
Rasa's imports.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import sys
import tarfile
import types
from pathlib import Path
from typing import Any, Callable, Iterable

BLOCKED = (
    "tensorflow",
    "keras",
    "tensorflow_hub",
    "tensorflow_text",
    "tensorflow_addons",
    "tensorflow_probability",
)

# Kept out with TensorFlow: importing them raises ModuleNotFoundError, as if not installed.
KEPT_OUT = ("h5py",)

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


class StandIns:
    """Packages (or subpackages: `scipy.stats`) that an import hook answers with inert stand-ins.

    A stand-in module gives a stand-in class for every attribute; a stand-in class gives
    another for every attribute, so `from x.y import Z`, base classes, type hints and default
    values all work at import time. Calling one raises `error` with `message(name)`, except
    that with `decorators` a decorator-shaped call (`@f`, `@f(...)` with no positional
    argument) hands the function back. With `exceptions` the classes are Exception subclasses,
    so they can stand in an `except (...)` tuple without a TypeError (and never match).
    """

    def __init__(
        self,
        packages: Iterable[str],
        *,
        error: type[Exception],
        message: Callable[[str], str],
        version: str,
        decorators: bool = False,
        exceptions: bool = False,
    ) -> None:
        self.packages = frozenset(packages)
        self.error = error
        self.message = message
        self.version = version
        self.decorators = decorators
        self.bases: tuple[type, ...] = (Exception,) if exceptions else ()
        self.finder = _Finder(self)

    def covers(self, module: str) -> bool:
        """Whether `module` is one of the packages (a package or a subpackage: `scipy.stats`)
        or a module inside one."""
        parts = module.split(".")
        return any(".".join(parts[:n]) in self.packages for n in range(1, len(parts) + 1))

    def stub_class(self, qualname: str) -> type:
        name = qualname.rsplit(".", 1)[-1]
        namespace: dict[str, Any] = {
            "__qualname__": qualname,
            "__module__": qualname.split(".")[0],
            "_jaga_stand_ins": self,
        }
        return _StubMeta(name, self.bases, namespace)

    def is_stand_in(self, module: Any) -> bool:
        return isinstance(module, _StubModule) and module._jaga_stand_ins is self

    def install(self) -> None:
        if self.finder not in sys.meta_path:
            sys.meta_path.insert(0, self.finder)

    def uninstall(self) -> None:
        """Removes the hook and forgets the stand-in modules (whoever holds one keeps it), so
        that a later `import` of one of the packages imports it for real."""
        if self.finder in sys.meta_path:
            sys.meta_path.remove(self.finder)
        for name, module in list(sys.modules.items()):
            if self.is_stand_in(module):
                del sys.modules[name]
                parent, _, child = name.rpartition(".")
                # a real package (`scipy`) forgets its stand-in subpackage (`scipy.stats`) too
                if parent and getattr(sys.modules.get(parent), child, None) is module:
                    delattr(sys.modules[parent], child)

    @property
    def installed(self) -> bool:
        return self.finder in sys.meta_path


class _StubMeta(type):
    """Classes whose every attribute is another stub class: usable as base classes,
    decorators, type hints and default values at import time."""

    _jaga_stand_ins: StandIns

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return cls._jaga_stand_ins.stub_class(f"{cls.__qualname__}.{name}")

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        owner = cls._jaga_stand_ins
        if owner.decorators:
            # `@tf.function` / `@tf.function(...)` / `tf.keras.utils.register_keras_serializable()`
            if len(args) == 1 and not kwargs and callable(args[0]):
                return args[0]
            if not args:
                return lambda fn: fn
        raise owner.error(owner.message(cls.__qualname__))

    def __or__(cls, other: Any) -> Any:  # `tf.Tensor | None` in annotations
        return cls

    __ror__ = __or__

    def __getitem__(cls, item: Any) -> Any:
        return cls

    def __mro_entries__(cls, bases):  # pragma: no cover - classes are real already
        return (cls,)


class _StubModule(types.ModuleType):
    _jaga_stand_ins: StandIns

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        value = self._jaga_stand_ins.stub_class(f"{self.__name__}.{name}")
        setattr(self, name, value)
        return value


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, owner: StandIns) -> None:
        self.owner = owner

    def find_spec(self, fullname, path, target=None):
        if self.owner.covers(fullname):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StubModule(spec.name)
        module._jaga_stand_ins = self.owner
        module.__path__ = []  # a package, so submodule imports come back here
        module.__version__ = self.owner.version
        return module

    def exec_module(self, module):
        return None


TENSORFLOW = StandIns(
    BLOCKED,
    error=TensorFlowBlocked,
    message=lambda name: (
        f"{name} called, but TensorFlow is blocked in "
        "this process (the model was expected to be TensorFlow-free)"
    ),
    version="0.0.0-blocked",
    decorators=True,
)


class _KeepOut(importlib.abc.MetaPathFinder):
    """`import h5py` fails as if h5py were not installed (thinc expects exactly that)."""

    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] in KEPT_OUT:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: kept out of this process with TensorFlow, "
                "as the model has no TensorFlow component (bot/rasa_adapter/tf_guard.py; "
                "JAGA_ALLOW_TF=1 lets both in)",
                name=fullname,
            )
        return None


_KEEP_OUT = _KeepOut()


def block_tensorflow() -> bool:
    """Installs the hooks; False if TensorFlow was already imported (too late)."""
    if any(
        name in sys.modules and not TENSORFLOW.is_stand_in(sys.modules[name]) for name in BLOCKED
    ):
        return False
    TENSORFLOW.install()
    if _KEEP_OUT not in sys.meta_path and not any(name in sys.modules for name in KEPT_OUT):
        sys.meta_path.insert(0, _KEEP_OUT)
    return True


def is_blocked() -> bool:
    return TENSORFLOW.installed


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
