"""The folder layout is the architecture: the front and the fleet share only :mod:`encore`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def imported_packages(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("interactions", {"audio_fleet", "encore_cli", "wavelink"}),
        ("audio_fleet", {"interactions", "encore_cli", "fastapi", "mangum"}),
        ("encore", {"interactions", "audio_fleet", "encore_cli"}),
    ],
)
def test_layers_do_not_reach_across(package: str, forbidden: set[str]) -> None:
    assert imported_packages(package) & forbidden == set()
