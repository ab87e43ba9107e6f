"""The one way Jaga puts its own version of a Rasa function in place (runtime.py and
graph_runner.py, to make a turn faster): once per process, marked as Jaga's (`jaga_cached`),
with Rasa's own kept as `__wrapped__` so that the tests can compare the two and check the Rasa
source each replacement relies on (tests/test_rasa_speedups.py, tests/test_graph_runner.py)."""

from __future__ import annotations

from typing import Any, Callable


def is_patched(owner: Any, name: str) -> bool:
    """Whether `owner.name` is already Jaga's version."""
    return bool(getattr(getattr(owner, name, None), "jaga_cached", False))


def patch(owner: Any, name: str, replacement: Callable, *, static: bool = False) -> None:
    """Puts `replacement` in place of `owner.name` (a static method when `static`), keeping
    what was there as `replacement.__wrapped__`."""
    replacement.jaga_cached = True  # type: ignore[attr-defined]
    replacement.__wrapped__ = getattr(owner, name)  # type: ignore[attr-defined]
    setattr(owner, name, staticmethod(replacement) if static else replacement)
