"""Enough alarms for the incidents that matter, each linking to a runbook section that exists."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from tests.infra import cfn

RUNBOOK = cfn.ROOT / "docs" / "operations" / "runbook.md"
_LINK = re.compile(r"Runbook: docs/operations/runbook\.md#(?P<anchor>[a-z0-9-]+)")


def _slug(heading: str) -> str:
    """The anchor mkdocs (Python-Markdown's toc extension) gives a heading."""
    text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def _anchors() -> set[str]:
    lines = RUNBOOK.read_text(encoding="utf-8").splitlines()
    return {_slug(line.lstrip("#").strip()) for line in lines if re.match(r"^#{1,6} ", line)}


def test_there_are_at_least_fifteen_alarms(raw_template: dict[str, Any], template: dict[str, Any]) -> None:
    alarms = cfn.resources_of_type(template, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 15
    # Also without the per-group and per-source copies (one shard group, one source).
    single = cfn.expand(
        raw_template, cfn.default_parameters(raw_template, ShardGroupIds=["0"], TrackSources=["youtube"])
    )
    assert len(cfn.resources_of_type(single, "AWS::CloudWatch::Alarm")) >= 15


def test_every_alarm_links_to_a_runbook_section_that_exists(
    template: dict[str, Any], renderer: cfn.Renderer
) -> None:
    anchors = _anchors()
    for name, alarm in cfn.resources_of_type(template, "AWS::CloudWatch::Alarm").items():
        description = renderer.render(alarm["Properties"]["AlarmDescription"])
        match = _LINK.search(" ".join(description.split()))
        assert match is not None, f"{name} has no runbook link"
        assert match.group("anchor") in anchors, f"{name} links to a missing section #{match.group('anchor')}"
        assert len(description) <= 1024, name  # CloudWatch's limit


def test_every_alarm_notifies_the_alarm_topic(template: dict[str, Any]) -> None:
    for name, alarm in cfn.resources_of_type(template, "AWS::CloudWatch::Alarm").items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name


def test_the_runbook_heading_slugs_are_the_ones_mkdocs_makes() -> None:
    assert _slug("DLQ not empty") == "dlq-not-empty"
    assert _slug("Discord 429") == "discord-429"
    assert _slug("Track-load failures (per source)") == "track-load-failures-per-source"
