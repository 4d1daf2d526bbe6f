"""The Lambda package holds what the code it runs imports.

`sam build` (infra/lambda/Makefile) packages the `encore` and `interactions` packages with the
runtime dependencies of pyproject.toml (and theirs), not the dev extras. A module that imports a
dev-only library (or `audio_fleet`) works in every test and fails on Lambda with ModuleNotFoundError.
"""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.infra.cfn import ROOT

PACKAGED: frozenset[str] = frozenset({"encore", "interactions"})


def _runtime_distributions() -> set[str]:
    """The runtime dependencies and, recursively, theirs (with the extras asked for)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pending = [Requirement(line) for line in pyproject["project"]["dependencies"]]
    found: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        requirement = pending.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        found.add(key[0])
        for line in importlib.metadata.requires(requirement.name) or []:
            dependency = Requirement(line)
            extras = requirement.extras or {""}
            if dependency.marker is None or any(dependency.marker.evaluate({"extra": e}) for e in extras):
                pending.append(dependency)
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[str]:
    """Top-level names imported anywhere (function-level lazy imports too), bar TYPE_CHECKING blocks."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (name for child in node.orelse for name in _imports(ast.Module([child], [])))
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]
        yield from _imports(node)


def _third_party_imports() -> dict[str, set[Path]]:
    imported: dict[str, set[Path]] = {}
    for package in sorted(PACKAGED):
        for path in (ROOT / package).rglob("*.py"):
            for name in _imports(ast.parse(path.read_text(encoding="utf-8"))):
                if name not in sys.stdlib_module_names and name not in PACKAGED:
                    imported.setdefault(name, set()).add(path.relative_to(ROOT))
    return imported


def test_every_import_of_the_packaged_code_is_a_runtime_dependency() -> None:
    providers = importlib.metadata.packages_distributions()
    runtime = _runtime_distributions()
    missing = {
        name: sorted(str(p) for p in paths)
        for name, paths in _third_party_imports().items()
        if not {canonicalize_name(d) for d in providers.get(name, [])} & runtime
    }
    assert missing == {}, f"imported on Lambda but not in pyproject's dependencies: {missing}"


def test_the_check_sees_lazy_imports_and_skips_type_checking_ones() -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\ndef f():\n    import b.c\n"
    assert list(_imports(ast.parse(source))) == ["typing", "b"]
