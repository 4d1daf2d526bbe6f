"""Read template.yaml the way CloudFormation would, far enough to test what it says.

* :func:`load` parses the YAML with the CloudFormation short tags (``!Ref``, ``!Sub``, ...) turned
  into their long forms.
* :func:`expand` applies ``Fn::ForEach`` (AWS::LanguageExtensions) for given parameter values.
* :class:`Renderer` resolves intrinsic functions with fake values for what only AWS knows (account,
  physical ids) and raises :class:`UnknownReferenceError` when something names a parameter, resource,
  attribute or condition the template does not have.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

__all__ = [
    "FAKE_ACCOUNT",
    "FAKE_REGION",
    "FAKE_STACK",
    "OPERATOR_VALUES",
    "ROOT",
    "TEMPLATE",
    "Renderer",
    "UnknownReferenceError",
    "default_parameters",
    "expand",
    "load",
    "resources_of_type",
]

ROOT: Final = Path(__file__).resolve().parents[2]
TEMPLATE: Final = ROOT / "template.yaml"
FAKE_ACCOUNT: Final = "123456789012"
FAKE_REGION: Final = "eu-west-1"
FAKE_STACK: Final = "encore-test"

_FOREACH: Final = "Fn::ForEach::"


class _CfnLoader(yaml.SafeLoader):
    """A YAML loader that knows CloudFormation's short-form tags."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else ("Condition" if suffix == "Condition" else f"Fn::{suffix}")
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if name == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 - a SafeLoader
    assert isinstance(loaded, dict)
    return loaded


_SECRETS: Final = f"arn:aws:secretsmanager:{FAKE_REGION}:{FAKE_ACCOUNT}:secret"
#: What an operator would type for the parameters that have no default.
OPERATOR_VALUES: Final[dict[str, Any]] = {
    "DiscordApplicationId": "123456789012345678",
    "DiscordPublicKey": "ab" * 32,
    "DiscordBotTokenSecretArn": f"{_SECRETS}:encore/bot-token-AbCdEf",
    "LavalinkNodesSecretArn": f"{_SECRETS}:encore/lavalink-AbCdEf",
    "FleetImageUri": f"{FAKE_ACCOUNT}.dkr.ecr.{FAKE_REGION}.amazonaws.com/encore-fleet:1.0.0",
    "VpcId": "vpc-0123456789abcdef0",
    "PrivateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
}


def default_parameters(template: Mapping[str, Any], **overrides: Any) -> dict[str, Any]:
    """Every parameter's value: the override, else its default, else what an operator would give.

    Each value is checked against the parameter's AllowedPattern / AllowedValues, as CloudFormation does.
    """
    values: dict[str, Any] = {}
    for name, spec in template.get("Parameters", {}).items():
        if name in overrides:
            value = overrides[name]
        elif "Default" in spec:
            default = spec["Default"]
            value = default.split(",") if spec["Type"] == "CommaDelimitedList" else str(default)
        else:
            value = OPERATOR_VALUES[name]
        pattern = spec.get("AllowedPattern")
        if pattern is not None:
            assert re.fullmatch(pattern, value), f"{name}={value!r} does not match {pattern}"
        if "AllowedValues" in spec:
            assert value in [str(v) for v in spec["AllowedValues"]], f"{name}={value!r} is not allowed"
        values[name] = value
    return values


def resources_of_type(template: Mapping[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def expand(template: Mapping[str, Any], parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The template with every ``Fn::ForEach`` replaced by its copies, as the transform does."""
    return {key: _expand_node(value, parameters) for key, value in template.items()}


def _expand_node(node: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(node, list):
        return [_expand_node(item, parameters) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(key, str) and key.startswith(_FOREACH):
            identifier, collection, fragment = value
            for item in _collection(collection, parameters):
                copies = _expand_node(_substitute(fragment, identifier, item), parameters)
                duplicated = set(copies) & set(result)
                assert not duplicated, f"{key} makes {duplicated} twice"
                result.update(copies)
        else:
            result[key] = _expand_node(value, parameters)
    return result


def _collection(collection: Any, parameters: Mapping[str, Any]) -> list[str]:
    if isinstance(collection, dict) and set(collection) == {"Ref"}:
        values = parameters[collection["Ref"]]
        return [str(v) for v in values]
    assert isinstance(collection, list), collection
    return [str(v) for v in collection]


def _substitute(node: Any, identifier: str, item: str) -> Any:
    if isinstance(node, str):
        return node.replace("${" + identifier + "}", item).replace("&{" + identifier + "}", item)
    if isinstance(node, list):
        return [_substitute(v, identifier, item) for v in node]
    if isinstance(node, dict):
        if node == {"Ref": identifier}:
            return item
        return {_substitute(k, identifier, item): _substitute(v, identifier, item) for k, v in node.items()}
    return node


class UnknownReferenceError(LookupError):
    """An intrinsic function names something the template does not define."""


_NO_VALUE: Final = object()
_SUB_VARIABLE: Final = re.compile(r"\$\{([^}!][^}]*)\}")

#: Attributes the template may read with Fn::GetAtt, by resource type.
_ATTRIBUTES: Final[dict[str, frozenset[str]]] = {
    "AWS::SQS::Queue": frozenset({"Arn", "QueueName", "QueueUrl"}),
    "AWS::CloudWatch::Alarm": frozenset({"Arn"}),
    "AWS::ECS::Service": frozenset({"Name", "ServiceArn"}),
    "AWS::ECS::Cluster": frozenset({"Arn"}),
    "AWS::IAM::Role": frozenset({"Arn"}),
    "AWS::Logs::LogGroup": frozenset({"Arn"}),
    "AWS::Serverless::Function": frozenset({"Arn"}),
    "AWS::ElastiCache::ReplicationGroup": frozenset({"PrimaryEndPoint.Address", "PrimaryEndPoint.Port"}),
    "AWS::RDS::DBCluster": frozenset({"Endpoint.Address", "Endpoint.Port"}),
}


@dataclass
class Renderer:
    """Resolves intrinsic functions of an expanded template for given parameter values."""

    template: Mapping[str, Any]
    parameters: Mapping[str, Any]
    referenced: set[str] = field(default_factory=set)

    @property
    def resources(self) -> Mapping[str, Any]:
        resources: Mapping[str, Any] = self.template["Resources"]
        return resources

    def render(self, node: Any) -> Any:
        value = self._resolve(node)
        return None if value is _NO_VALUE else value

    def condition(self, name: str) -> bool:
        conditions = self.template.get("Conditions", {})
        if name not in conditions:
            raise UnknownReferenceError(f"condition {name!r}")
        return self._truth(conditions[name])

    def _truth(self, node: Any) -> bool:
        if isinstance(node, dict) and len(node) == 1:
            function, args = next(iter(node.items()))
            if function == "Fn::Equals":
                return bool(self._resolve(args[0]) == self._resolve(args[1]))
            if function == "Fn::Not":
                return not self._truth(args[0])
            if function == "Fn::Or":
                return any(self._truth(a) for a in args)
            if function == "Fn::And":
                return all(self._truth(a) for a in args)
            if function == "Condition":
                return self.condition(args)
        raise AssertionError(f"not a condition: {node!r}")

    def _resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self._resolve(item) for item in node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            function, args = next(iter(node.items()))
            handler = _FUNCTIONS.get(function)
            if handler is not None:
                return handler(self, args)
        return {k: v for k, v in ((k, self._resolve(v)) for k, v in node.items()) if v is not _NO_VALUE}

    # --- the intrinsic functions ---

    def _ref(self, name: Any) -> Any:
        name = self._resolve(name)
        pseudo = {
            "AWS::Region": FAKE_REGION,
            "AWS::AccountId": FAKE_ACCOUNT,
            "AWS::StackName": FAKE_STACK,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": _NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            self.referenced.add(name)
            return self._physical_id(name)
        raise UnknownReferenceError(f"Ref {name!r}")

    def _physical_id(self, logical_id: str) -> str:
        resource = self.resources[logical_id]
        if resource["Type"] == "AWS::SQS::Queue":
            return self._queue_url(logical_id)
        if resource["Type"] == "AWS::SecretsManager::Secret":
            return f"arn:aws:secretsmanager:{FAKE_REGION}:{FAKE_ACCOUNT}:secret:{logical_id}-AbCdEf"
        if resource["Type"] == "AWS::Logs::LogGroup":
            return str(self._resolve(resource["Properties"]["LogGroupName"]))
        return f"{FAKE_STACK}-{logical_id}-ABC123"

    def _queue_url(self, logical_id: str) -> str:
        name = self._resolve(self.resources[logical_id]["Properties"]["QueueName"])
        return f"https://sqs.{FAKE_REGION}.amazonaws.com/{FAKE_ACCOUNT}/{name}"

    def _get_att(self, args: Any) -> Any:
        logical_id, attribute = (self._resolve(a) for a in args)
        resource = self.resources.get(logical_id)
        if resource is None:
            raise UnknownReferenceError(f"Fn::GetAtt {logical_id!r}")
        if attribute not in _ATTRIBUTES.get(resource["Type"], frozenset()):
            raise UnknownReferenceError(f"Fn::GetAtt {logical_id}.{attribute} ({resource['Type']})")
        self.referenced.add(logical_id)
        if resource["Type"] == "AWS::SQS::Queue":
            if attribute == "QueueName":
                return self._resolve(resource["Properties"]["QueueName"])
            if attribute == "QueueUrl":
                return self._queue_url(logical_id)
        if attribute == "Name":
            return f"{FAKE_STACK}-{logical_id}-ABC123"
        if attribute.endswith(".Port"):
            return "6379"
        if attribute.endswith(".Address"):
            return f"{logical_id.lower()}.example.internal"
        return f"arn:aws:fake:{FAKE_REGION}:{FAKE_ACCOUNT}:{logical_id}"

    def _sub(self, args: Any) -> str:
        if isinstance(args, str):
            text, variables = args, {}
        else:
            text, variables = args[0], {k: self._resolve(v) for k, v in args[1].items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name and name.split(".", 1)[0] in self.resources:
                return str(self._get_att(name.split(".", 1)))
            return str(self._ref(name))

        return _SUB_VARIABLE.sub(replace, text)

    def _join(self, args: Any) -> str:
        delimiter, items = args
        assert isinstance(delimiter, str), "Fn::Join takes a literal delimiter"
        return str(delimiter).join(str(v) for v in self._resolve(items))

    def _if(self, args: Any) -> Any:
        name, when_true, when_false = args
        return self._resolve(when_true if self.condition(name) else when_false)

    def _select(self, args: Any) -> Any:
        index, items = (self._resolve(a) for a in args)
        return items[int(index)]

    def _split(self, args: Any) -> list[str]:
        delimiter, text = args
        return str(self._resolve(text)).split(delimiter)

    def _length(self, args: Any) -> int:
        return len(self._resolve(args))

    def _to_json_string(self, args: Any) -> str:
        return json.dumps(self._resolve(args), separators=(",", ":"))


_FUNCTIONS: Final = {
    "Ref": Renderer._ref,
    "Fn::GetAtt": Renderer._get_att,
    "Fn::Sub": Renderer._sub,
    "Fn::Join": Renderer._join,
    "Fn::If": Renderer._if,
    "Fn::Select": Renderer._select,
    "Fn::Split": Renderer._split,
    "Fn::Length": Renderer._length,
    "Fn::ToJsonString": Renderer._to_json_string,
}
