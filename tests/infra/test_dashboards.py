"""The dashboards render to JSON CloudWatch accepts and show only what this stack creates."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.infra import cfn

EXPECTED = {"OverviewDashboard", "FrontDashboard", "FleetDashboard", "LavalinkDashboard", "BillingDashboard"}


def _bodies(template: dict[str, Any], renderer: cfn.Renderer) -> dict[str, dict[str, Any]]:
    dashboards = cfn.resources_of_type(template, "AWS::CloudWatch::Dashboard")
    bodies = {}
    for name, dashboard in dashboards.items():
        rendered = renderer.render(dashboard["Properties"]["DashboardBody"])
        assert isinstance(rendered, str), f"{name}: DashboardBody must be a JSON string"
        bodies[name] = json.loads(rendered)
    return bodies


def test_there_is_a_dashboard_per_concern(template: dict[str, Any]) -> None:
    dashboards = cfn.resources_of_type(template, "AWS::CloudWatch::Dashboard")
    assert len(dashboards) >= 5
    assert set(dashboards) >= EXPECTED


def test_every_body_renders_to_widgets_with_a_known_type(
    template: dict[str, Any], renderer: cfn.Renderer
) -> None:
    for name, body in _bodies(template, renderer).items():
        assert body["widgets"], name
        for widget in body["widgets"]:
            assert widget["type"] in {"metric", "text", "alarm", "log"}, (name, widget)
            assert 1 <= widget["width"] <= 24, (name, widget)
            properties = widget["properties"]
            if widget["type"] == "metric":
                assert properties["metrics"], (name, properties)
                assert properties["region"] == cfn.FAKE_REGION


def test_bodies_reference_only_resources_of_this_template(
    template: dict[str, Any], renderer: cfn.Renderer
) -> None:
    """Rendering raises UnknownReferenceError for a Ref/GetAtt/${} naming anything the template lacks."""
    bodies = _bodies(template, renderer)
    assert {"InteractionsFunction", "FleetCluster", "FleetService", "HttpApi"} <= renderer.referenced

    alarm_arns = {
        renderer.render({"Fn::GetAtt": [a, "Arn"]})
        for a in cfn.resources_of_type(template, "AWS::CloudWatch::Alarm")
    }
    log_groups = {renderer.render({"Ref": g}) for g in cfn.resources_of_type(template, "AWS::Logs::LogGroup")}
    queue_names = [
        renderer.render(q["Properties"]["QueueName"])
        for q in cfn.resources_of_type(template, "AWS::SQS::Queue").values()
    ]
    for name, body in bodies.items():
        for widget in body["widgets"]:
            properties = widget["properties"]
            for arn in properties.get("alarms", []):
                assert arn in alarm_arns, (name, arn)
            for source in re.findall(r"SOURCE '([^']+)'", properties.get("query", "")):
                assert source in log_groups, (name, source)
        # SEARCH finds the group queues (any number of them) by whole words of their names: the
        # stack name and "commands" or "dlq". Those words must pick out this stack's queues.
        for query in re.findall(r"SEARCH\('\{AWS/SQS,QueueName\}([^']*)'", json.dumps(body)):
            word = re.search(r"QueueName=(\w+)", query)
            assert word is not None, (name, query)
            assert cfn.FAKE_STACK in query, (name, query)
            matching = [q for q in queue_names if word.group(1) in re.split(r"[^A-Za-z0-9]+", q)]
            assert matching, (name, query)
            assert all(q.startswith(cfn.FAKE_STACK + "-") for q in matching)


def test_a_reference_to_a_missing_resource_is_caught(
    template: dict[str, Any], parameters: dict[str, Any]
) -> None:
    broken = json.loads(json.dumps(template))
    body = broken["Resources"]["FrontDashboard"]["Properties"]["DashboardBody"]
    body["Fn::ToJsonString"]["widgets"][0]["properties"]["metrics"][0][3] = {"Ref": "NoSuchFunction"}
    with pytest.raises(cfn.UnknownReferenceError, match="NoSuchFunction"):
        cfn.Renderer(broken, parameters).render(body)
