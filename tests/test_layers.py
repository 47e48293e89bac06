"""The layers stay layers: grid/ is a pure library that knows nothing of the server or a database,
and no Python import circle forms among the modules of grid/ and api/ (issue 10).

Imports are read with ``ast``, not by importing, so a check costs no start-up and sees imports
inside functions too. For circles only module-level imports count (those that run on import),
except imports under ``if TYPE_CHECKING:``, which never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: What grid/ must never import, not even inside a function: the server, the web framework, the
#: ORM and the database drivers.
FORBIDDEN_IN_GRID = (
    "api",
    "fastapi",
    "starlette",
    "sqlalchemy",
    "geoalchemy2",
    "alembic",
    "psycopg",
    "psycopg2",
    "asyncpg",
    "sqlean",
    "sqlite3",
)


def module_name(path: Path) -> str:
    """``grid/input/io.py`` → ``grid.input.io``; a package's ``__init__.py`` is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(*packages: str) -> dict[str, Path]:
    """Every module of ``packages`` by dotted name."""
    return {
        module_name(path): path
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def is_type_checking(test: ast.expr) -> bool:
    """Whether an ``if`` test is ``TYPE_CHECKING`` or ``typing.TYPE_CHECKING``."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def imports(
    tree: ast.AST, *, module_level: bool, typing: bool = False
) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements of ``tree``; with ``module_level``, only those that run when the
    module is imported (not inside a function, nor under ``if TYPE_CHECKING:`` unless
    ``typing``)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif module_level and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        elif (
            module_level and not typing and isinstance(node, ast.If) and is_type_checking(node.test)
        ):
            orelse = ast.Module(body=node.orelse, type_ignores=[])
            yield from imports(orelse, module_level=True)
        else:
            yield from imports(node, module_level=module_level, typing=typing)


def absolute(node: ast.ImportFrom, name: str, is_package: bool) -> str:
    """The absolute module a ``from`` import reads from, relative dots resolved against ``name``."""
    if not node.level:
        return node.module or ""
    base = name.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def imported_names(
    name: str, path: Path, *, module_level: bool, typing: bool = False
) -> Iterator[tuple[str, int]]:
    """Every dotted name ``path`` (module ``name``) imports, with its line: ``import a.b`` gives
    ``a.b``; ``from a import b`` gives ``a.b`` (a module or a name in ``a``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in imports(tree, module_level=module_level, typing=typing):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        else:
            source = absolute(node, name, path.name == "__init__.py")
            for alias in node.names:
                yield f"{source}.{alias.name}" if alias.name != "*" else source, node.lineno


def edges(known: dict[str, Path], *, typing: bool = False) -> dict[str, set[str]]:
    """Module-level import edges among ``known`` modules (with ``typing``, those under
    ``if TYPE_CHECKING:`` too): each import points at the longest known module its dotted name
    starts with."""
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for dotted, _ in imported_names(name, path, module_level=True, typing=typing):
            parts = dotted.split(".")
            for k in range(len(parts), 0, -1):
                target = ".".join(parts[:k])
                if target in known:
                    if target != name:
                        graph[name].add(target)
                    break
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def describe(component: list[str], graph: dict[str, set[str]]) -> str:
    """One import path round the component, e.g. ``a → b → c → a``."""
    members = set(component)
    path = [component[0]]
    while True:
        step = sorted(graph[path[-1]] & members)
        nxt = next((w for w in step if w not in path), None)
        if nxt is None:
            back = next(w for w in step if w in path)
            return " → ".join(path[path.index(back) :] + [back])
        path.append(nxt)


def test_grid_imports_nothing_of_the_server_or_a_database() -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line}: imports {dotted}"
        for name, path in modules("grid").items()
        for dotted, line in imported_names(name, path, module_level=False)
        if dotted.split(".")[0] in FORBIDDEN_IN_GRID
    ]
    assert not bad, "\n".join(bad)


def test_the_forbidden_import_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    path = tmp_path / "probe.py"
    path.write_text(
        "import numpy\n\ndef f():\n    from sqlalchemy import select\n    import api.db\n",
        encoding="utf-8",
    )
    found = [d for d, _ in imported_names("grid.probe", path, module_level=False)]
    assert found == ["numpy", "sqlalchemy.select", "api.db"]
    level = [d for d, _ in imported_names("grid.probe", path, module_level=True)]
    assert level == ["numpy"]


def test_the_circle_check_finds_a_circle_and_skips_type_checking_imports() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert describe(["a", "b", "c"], graph) == "a → b → c → a"
    tree = ast.parse(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import x\nelse:\n    import y\n"
    )

    def names(typing: bool) -> list[str]:
        found = imports(tree, module_level=True, typing=typing)
        return [a.name for n in found if isinstance(n, ast.Import) for a in n.names]

    assert names(typing=False) == ["y"]
    assert names(typing=True) == ["x", "y"]


def test_no_import_circle_in_grid() -> None:
    graph = edges(modules("grid"))
    found = circles(graph)
    assert not found, "\n".join(describe(c, graph) for c in found)


def test_no_import_circle_in_api() -> None:
    graph = edges(modules("grid", "api"))
    found = circles(graph)
    assert not found, "\n".join(describe(c, graph) for c in found)


def test_no_circle_even_through_type_checking_imports() -> None:
    graph = edges(modules("grid", "api"), typing=True)
    found = circles(graph)
    assert not found, "\n".join(describe(c, graph) for c in found)
