"""The monitoring guide lists exactly the registry's metrics and the template's dashboards and alarms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest

from tests.docs.doc_files import DOCS
from tests.infra.cfn import load
from tools.metrics_markdown import END, REGENERATE, START, main, render_table, replace_table

GUIDE: Final = DOCS / "operations" / "monitoring.md"
#: How the guide writes the placeholders of a name built in the template.
_PLACEHOLDERS: Final = {"${AWS::StackName}": "<stack>", "${GroupId}": "<N>", "${Source}": "<source>"}


def _guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def _resources() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every resource of the template, the bodies of ``Fn::ForEach`` loops included (unexpanded)."""
    for name, resource in load()["Resources"].items():
        if name.startswith("Fn::ForEach::"):
            yield from resource[2].items()
        else:
            yield name, resource


def _text(value: Any) -> str:
    if isinstance(value, dict) and "Fn::Sub" in value:
        value = value["Fn::Sub"]
    if not isinstance(value, str):
        raise AssertionError(f"a name or description the test cannot read: {value!r}")
    text: str = value
    for placeholder, written in _PLACEHOLDERS.items():
        text = text.replace(placeholder, written)
    return text


def _named(resource_type: str, name_key: str) -> dict[str, dict[str, Any]]:
    return {
        _text(resource["Properties"][name_key]): resource["Properties"]
        for _, resource in _resources()
        if resource["Type"] == resource_type
    }


def _table_rows(heading: str) -> dict[str, str]:
    """The first column (a code span) of the table under ``## heading``, with the whole row."""
    section = _guide().split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return {
        match.group(1): match.group(0)
        for match in re.finditer(r"^\| `([^`]+)` \|.*$", section, flags=re.MULTILINE)
    }


def test_the_metrics_table_is_the_registry() -> None:
    page = _guide()
    assert replace_table(page, render_table()) == page, f"stale: run `{REGENERATE}`"


def test_every_dashboard_is_described() -> None:
    in_template = set(_named("AWS::CloudWatch::Dashboard", "DashboardName"))
    assert set(_table_rows("Dashboards")) == in_template


def test_every_alarm_is_listed_with_its_runbook_section() -> None:
    alarms = _named("AWS::CloudWatch::Alarm", "AlarmName")
    rows = _table_rows("Alarms")
    missing, extra = sorted(set(alarms) - set(rows)), sorted(set(rows) - set(alarms))
    assert not missing, f"alarms of the template missing here: {missing}"
    assert not extra, f"alarms listed here that the template does not have: {extra}"
    for name, properties in alarms.items():
        anchor = re.search(r"runbook\.md#([\w-]+)", _text(properties["AlarmDescription"]))
        assert anchor is not None, f"{name} has no runbook link"
        assert f"(runbook.md#{anchor.group(1)})" in rows[name], f"{name}: the runbook link differs"


def test_the_generator_rewrites_only_between_its_markers(tmp_path: Path) -> None:
    guide = tmp_path / "monitoring.md"
    guide.write_text(f"# Monitoring\n\nBefore.\n\n{START}\nold table\n{END}\n\nAfter.\n", encoding="utf-8")
    assert main(["--guide", str(guide), "--check"]) == 1
    assert main(["--guide", str(guide)]) == 0
    assert main(["--guide", str(guide), "--check"]) == 0
    text = guide.read_text(encoding="utf-8")
    assert text.startswith("# Monitoring\n\nBefore.\n\n")
    assert text.endswith(f"{END}\n\nAfter.\n")
    assert "| `TrackLoads` | Count | `Service`, `Source` |" in text
    assert "old table" not in text


def test_a_page_without_the_markers_is_a_clear_error(tmp_path: Path) -> None:
    guide = tmp_path / "monitoring.md"
    guide.write_text("# Monitoring\n", encoding="utf-8")
    assert main(["--guide", str(guide)]) == 2
    with pytest.raises(ValueError, match="markers"):
        replace_table("# Monitoring\n", render_table())
