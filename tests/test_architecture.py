"""The import structure of bot/ and tools/: no import cycles, and no test double in production.

Every module's imports are read with `ast`, the ones inside functions included (a lazy import
still ties two modules together); imports under `if TYPE_CHECKING:` are left out, since they
never run. `from package import name` counts as importing the module `package.name` when
there is one, else `package` itself. Fast: nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "tools")
TEST_DOUBLES = "bot.testing"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes inside `if TYPE_CHECKING:` blocks."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for inner in node.body:
                    skipped.update(id(n) for n in ast.walk(inner))
    return skipped


def imports_of(path: Path, name: str, modules: set[str]) -> list[tuple[str, int]]:
    """(module imported, line) for every import of one of `modules` in the file, the ones
    inside functions included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = _type_checking_only(tree)
    is_package = path.name == "__init__.py"
    found: list[tuple[str, int]] = []

    def module_of(dotted: str) -> str | None:  # the longest prefix that is a module
        parts = dotted.split(".")
        while parts and ".".join(parts) not in modules:
            parts.pop()
        return ".".join(parts) or None

    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [module_of(alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package this module is in
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([base] if base else []))
            # `from a.b import c` imports the module a.b.c if there is one, else from a.b
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else module_of(base)
                for alias in node.names
            ]
        else:
            continue
        found.extend((t, node.lineno) for t in targets if t and t != name)
    return found


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """module -> {module of the same packages it imports: line of the first such import}."""
    files = {
        module_name(path, root): path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
    }
    graph: dict[str, dict[str, int]] = {}
    for name, path in files.items():
        edges: dict[str, int] = {}
        for target, line in sorted(imports_of(path, name, set(files)), key=lambda x: x[1]):
            edges.setdefault(target, line)
        graph[name] = edges
    return graph


def find_cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle (a -> b -> ... -> a) per strongly connected group of modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, {}):
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(group, graph) for group in sorted(groups)]


def _cycle_in(group: list[str], graph: dict[str, dict[str, int]]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = group[0]
    members = set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph.get(node, {})):
            if nxt == start:
                return paths[node] + [start]
            if nxt in members and nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return group + [start]


def describe(cycle: list[str], graph: dict[str, dict[str, int]]) -> str:
    return (
        " -> ".join(f"{a} (line {graph[a][b]})" for a, b in zip(cycle, cycle[1:], strict=False))
        + f" -> {cycle[-1]}"
    )


def imports_of_test_doubles(root: Path) -> list[str]:
    """Production modules of bot/ (outside bot/testing/) that import bot.testing."""
    found = []
    modules = {module_name(path, root) for path in (root / "bot").rglob("*.py")}
    for path in sorted((root / "bot").rglob("*.py")):
        name = module_name(path, root)
        if name == TEST_DOUBLES or name.startswith(TEST_DOUBLES + "."):
            continue
        for target, line in imports_of(path, name, modules):
            if target == TEST_DOUBLES or target.startswith(TEST_DOUBLES + "."):
                found.append(f"{path.relative_to(root)}:{line} imports {target}")
                break
    return found


# --- the project -----------------------------------------------------------------------------


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycles(package: str) -> None:
    graph = import_graph(ROOT, (package,))
    assert len(graph) > 3, f"no modules found under {package}/"
    cycles = find_cycles(graph)
    assert not cycles, f"import cycles in {package}/:\n" + "\n".join(
        describe(c, graph) for c in cycles
    )


def test_production_code_never_imports_test_doubles() -> None:
    assert (ROOT / "bot" / "testing").is_dir()
    offenders = imports_of_test_doubles(ROOT)
    assert not offenders, "bot.testing is for tests and tools only:\n" + "\n".join(offenders)


# --- the checks themselves, on a small made-up package ---------------------------------------


def _package(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_cycle_through_an_import_inside_a_function_is_found(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/front/__init__.py": "",
            "bot/front/turns.py": "from bot.front.handlers import quiz\n",
            "bot/front/handlers/__init__.py": "",
            "bot/front/handlers/quiz.py": (
                "import json\n\n\ndef start():\n    from bot.front import turns\n    return turns\n"
            ),
            "bot/core.py": "import bot.front.turns\n",
        },
    )
    graph = import_graph(root, ("bot",))
    cycles = find_cycles(graph)
    assert cycles == [["bot.front.handlers.quiz", "bot.front.turns", "bot.front.handlers.quiz"]]
    message = describe(cycles[0], graph)
    assert "bot.front.handlers.quiz (line 5) -> bot.front.turns (line 1)" in message


def test_relative_imports_count(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "tools/__init__.py": "",
            "tools/bench/__init__.py": "",
            "tools/bench/a.py": "from . import b\n",
            "tools/bench/b.py": "from .c import thing\n",
            "tools/bench/c.py": "from tools.bench.a import x\nthing = 1\n",
        },
    )
    cycles = find_cycles(import_graph(root, ("tools",)))
    assert cycles == [["tools.bench.a", "tools.bench.b", "tools.bench.c", "tools.bench.a"]]


def test_no_cycle_no_report(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/a.py": "from typing import TYPE_CHECKING\nimport bot.b\nif TYPE_CHECKING:\n"
            "    import bot.c\n",
            "bot/b.py": "import bot.c\n",
            "bot/c.py": "import os\n",
        },
    )
    graph = import_graph(root, ("bot",))
    assert graph["bot.a"] == {"bot.b": 2}  # the TYPE_CHECKING import never runs
    assert find_cycles(graph) == []


def test_production_import_of_a_test_double_is_found(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/testing/__init__.py": "",
            "bot/testing/fake.py": "import bot.app\n",
            "bot/app.py": "def run():\n    from bot.testing.fake import Fake\n",
        },
    )
    assert imports_of_test_doubles(root) == ["bot/app.py:2 imports bot.testing.fake"]
