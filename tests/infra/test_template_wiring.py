"""What the template hands the code is what the code reads: env var names, values, handlers, commands.

pydantic-settings ignores unknown environment variables, so a misspelt name in the template would
silently fall back to a default in production; these tests load the settings from the environment
each deployable gets, exactly as written in template.yaml.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from typing import Any

import pytest

from encore.settings import QueueBackend, Settings, ShardGroupMode, load_settings
from tests.infra import cfn

FAKE_SECRETS = {
    "DISCORD_BOT_TOKEN": "token",
    "LAVALINK_NODES": "main|http://lavalink.internal:2333|youshallnotpass",
    "DATABASE_URL": "postgresql+asyncpg://encore:pw@db.internal:5432/encore",
}


def _function_env(renderer: cfn.Renderer, template: dict[str, Any], name: str) -> dict[str, str]:
    variables = renderer.render(template["Resources"][name]["Properties"]["Environment"]["Variables"])
    # Secrets are Secrets Manager dynamic references that CloudFormation resolves at deploy time.
    for secret in set(FAKE_SECRETS) & set(variables):
        assert variables[secret].startswith("{{resolve:secretsmanager:arn:"), secret
        variables[secret] = FAKE_SECRETS[secret]
    return {k: str(v) for k, v in variables.items()}


def _fleet_container(renderer: cfn.Renderer, template: dict[str, Any]) -> dict[str, Any]:
    containers = renderer.render(
        template["Resources"]["FleetTaskDefinition"]["Properties"]["ContainerDefinitions"]
    )
    fleet: dict[str, Any] = next(c for c in containers if c["Name"] == "fleet")
    return fleet


def _fleet_env(renderer: cfn.Renderer, template: dict[str, Any]) -> dict[str, str]:
    container = _fleet_container(renderer, template)
    env = {e["Name"]: str(e["Value"]) for e in container["Environment"]}
    secrets = {s["Name"] for s in container["Secrets"]}
    assert secrets == set(FAKE_SECRETS)
    return {**env, **FAKE_SECRETS}


def _load(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(cfn.ROOT / "tests")  # no .env file from the developer's checkout
    return load_settings()


def _assert_all_are_settings(env: dict[str, str]) -> None:
    unknown = set(env) - {f.upper() for f in Settings.model_fields}
    assert not unknown, f"template sets variables Encore does not read: {sorted(unknown)}"


def test_the_front_starts_with_the_environment_the_template_gives_it(
    template: dict[str, Any], renderer: cfn.Renderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _function_env(renderer, template, "InteractionsFunction")
    _assert_all_are_settings(env)
    settings = _load(env, monkeypatch)
    assert settings.encore_queue is QueueBackend.SQS
    groups = cfn.default_parameters(template)["ShardGroupIds"]
    assert settings.shard_layout.group_count == len(groups)
    queue_urls = {renderer.render({"Fn::GetAtt": [f"CommandsQueue{g}", "QueueUrl"]}): g for g in groups}
    # Group N's commands go to the queue CloudFormation made for group N.
    assert [queue_urls[url] for url in settings.encore_sqs_queue_urls] == groups
    assert settings.redis_url is not None
    assert settings.redis_url.startswith("rediss://")


def test_the_scheduled_jobs_start_with_their_environment(
    template: dict[str, Any], renderer: cfn.Renderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _function_env(renderer, template, "ScheduledJobsFunction")
    _assert_all_are_settings(env)
    settings = _load(env, monkeypatch)
    assert settings.database_url == FAKE_SECRETS["DATABASE_URL"]
    # Without the token the job would leave every usage warning pending.
    assert settings.discord_bot_token is not None


def test_the_fleet_task_starts_with_its_environment_and_secrets(
    template: dict[str, Any], renderer: cfn.Renderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _fleet_env(renderer, template)
    _assert_all_are_settings(env)
    settings = _load(env, monkeypatch)
    assert not settings.sandbox
    assert settings.encore_shard_groups is ShardGroupMode.AUTO
    assert [n.name for n in settings.lavalink_nodes] == ["main"]
    params = cfn.default_parameters(template)
    assert settings.encore_health_port == int(params["FleetHealthPort"])
    # The fleet gives up on a command when SQS does: both read the same numbers.
    queue = template["Resources"]["CommandsQueue0"]["Properties"]
    assert settings.encore_queue_visibility_seconds == queue["VisibilityTimeout"]
    assert settings.encore_queue_max_receives == int(params["MaxReceiveCount"])


def test_the_fleet_stops_within_ecs_stop_timeout(template: dict[str, Any], renderer: cfn.Renderer) -> None:
    container = _fleet_container(renderer, template)
    assert container["StopTimeout"] == 120  # Fargate's maximum, between SIGTERM and SIGKILL
    env = {e["Name"] for e in container["Environment"]}
    default_drain = Settings.model_fields["encore_stop_timeout"].default
    assert "ENCORE_STOP_TIMEOUT" in env or default_drain < container["StopTimeout"]
    assert "/health" in " ".join(container["HealthCheck"]["Command"])


def test_the_fleet_container_runs_a_real_encore_command(
    template: dict[str, Any], renderer: cfn.Renderer
) -> None:
    command = _fleet_container(renderer, template)["Command"]
    assert command[0] == "encore"
    result = subprocess.run(
        [sys.executable, "-m", "encore_cli", *command[1:], "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("function", ["InteractionsFunction", "ScheduledJobsFunction"])
def test_lambda_handlers_exist(template: dict[str, Any], function: str) -> None:
    module_name, _, attribute = template["Resources"][function]["Properties"]["Handler"].rpartition(".")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attribute))


def test_the_fleet_scales_to_at_most_one_task_per_shard_group(
    raw_template: dict[str, Any], renderer: cfn.Renderer, template: dict[str, Any]
) -> None:
    groups = cfn.default_parameters(raw_template)["ShardGroupIds"]
    target = renderer.render(template["Resources"]["FleetScalableTarget"]["Properties"])
    assert target["MaxCapacity"] == len(groups)
    policies = cfn.resources_of_type(template, "AWS::ApplicationAutoScaling::ScalingPolicy")
    assert len(policies) == len(groups)
    queues = cfn.resources_of_type(template, "AWS::SQS::Queue")
    expected = {f"CommandsQueue{g}" for g in groups} | {f"CommandsDeadLetterQueue{g}" for g in groups}
    assert set(queues) == expected


def test_every_group_queue_is_high_throughput_fifo_with_a_dead_letter_queue(template: dict[str, Any]) -> None:
    for group in cfn.default_parameters(template)["ShardGroupIds"]:
        queue = template["Resources"][f"CommandsQueue{group}"]["Properties"]
        assert queue["FifoQueue"] is True
        assert queue["DeduplicationScope"] == "messageGroup"
        assert queue["FifoThroughputLimit"] == "perMessageGroupId"
        assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
            "Fn::GetAtt": [{"Fn::Sub": f"CommandsDeadLetterQueue{group}"}, "Arn"]
        }


def test_existing_redis_and_database_are_used_instead_of_new_ones(
    raw_template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    redis_url = "rediss://my-redis.example.internal:6379/0"
    secret = f"arn:aws:secretsmanager:{cfn.FAKE_REGION}:{cfn.FAKE_ACCOUNT}:secret:encore/db-url-AbCdEf"
    parameters = cfn.default_parameters(
        raw_template, ExistingRedisUrl=redis_url, ExistingDatabaseUrlSecretArn=secret
    )
    template = cfn.expand(raw_template, parameters)
    renderer = cfn.Renderer(template, parameters)
    created = {
        name
        for name, resource in template["Resources"].items()
        if "Condition" not in resource or renderer.condition(resource["Condition"])
    }
    assert not created & {
        "Redis",
        "DatabaseCluster",
        "DatabaseWriter",
        "DatabaseUrlSecret",
        "DataSecurityGroup",
    }
    variables = renderer.render(
        template["Resources"]["InteractionsFunction"]["Properties"]["Environment"]["Variables"]
    )
    assert variables["REDIS_URL"] == redis_url
    assert variables["DATABASE_URL"] == "{{resolve:secretsmanager:" + secret + "}}"
    fleet = _fleet_container(renderer, template)
    assert {"Name": "DATABASE_URL", "ValueFrom": secret} in fleet["Secrets"]
    assert {"Name": "REDIS_URL", "Value": redis_url} in fleet["Environment"]


def test_the_http_api_routes_are_the_paths_the_front_serves(template: dict[str, Any]) -> None:
    from interactions.api.routes import API_PREFIX
    from interactions.asgi import INTERACTIONS_PATH
    from interactions.webhook_events import WEBHOOK_EVENTS_PATH

    events = template["Resources"]["InteractionsFunction"]["Properties"]["Events"]
    routes = {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in events.values()}
    assert routes == {
        ("POST", INTERACTIONS_PATH),
        ("POST", WEBHOOK_EVENTS_PATH),
        ("ANY", API_PREFIX + "/{proxy+}"),
    }
