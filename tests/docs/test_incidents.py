"""The incidents page: at least five incidents, each with an alarm from the runbook and the tests
that reproduce it -- and every test it names exists."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import Final

import pytest

from tests.docs.doc_files import DOCS, ROOT
from tools.openapi_markdown import slugify

INCIDENTS: Final = DOCS / "operations" / "incidents.md"
RUNBOOK: Final = DOCS / "operations" / "runbook.md"
_TEST_REF: Final = re.compile(r"(tests/[\w/]+\.py)::(test_\w+)")
_RUNBOOK_LINK: Final = re.compile(r"\(runbook\.md#([\w-]+)\)")


def _sections() -> dict[str, str]:
    """The incidents, by their ``##`` heading."""
    parts = re.split(r"^## (.+)$", INCIDENTS.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@cache
def _tests_in(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
    )


NAMED: Final = sorted(set(_TEST_REF.findall(INCIDENTS.read_text(encoding="utf-8"))))


def test_at_least_five_incidents_each_with_an_alarm_and_a_test() -> None:
    sections = _sections()
    assert len(sections) >= 5
    for title, body in sections.items():
        for part in ("**Symptoms.**", "**Alarm.**", "**Diagnosis.**", "**Fix.**", "**Reproduced by.**"):
            assert part in body, f"{title}: no {part}"
        assert _RUNBOOK_LINK.search(body), f"{title}: no link to the alarm's runbook section"
        assert _TEST_REF.search(body), f"{title}: no test that reproduces it"


def test_runbook_links_point_at_existing_sections() -> None:
    headings = re.findall(r"^#{2,4} (.+)$", RUNBOOK.read_text(encoding="utf-8"), flags=re.MULTILINE)
    anchors = {slugify(heading) for heading in headings}
    linked = set(_RUNBOOK_LINK.findall(INCIDENTS.read_text(encoding="utf-8")))
    assert linked <= anchors, f"no such runbook section: {sorted(linked - anchors)}"


@pytest.mark.parametrize(("path", "name"), NAMED, ids=[f"{p}::{n}" for p, n in NAMED])
def test_every_named_test_exists(path: str, name: str) -> None:
    file = ROOT / path
    assert file.is_file(), f"{path} does not exist"
    assert name in _tests_in(file), f"{path} has no test named {name}"
