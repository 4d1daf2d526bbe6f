"""The template, parsed once per session, expanded and rendered with its default parameters."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra import cfn


@pytest.fixture(scope="session")
def raw_template() -> dict[str, Any]:
    return cfn.load()


@pytest.fixture(scope="session")
def parameters(raw_template: dict[str, Any]) -> dict[str, Any]:
    return cfn.default_parameters(raw_template)


@pytest.fixture(scope="session")
def template(raw_template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """The template as CloudFormation sees it after AWS::LanguageExtensions (default parameters)."""
    return cfn.expand(raw_template, parameters)


@pytest.fixture
def renderer(template: dict[str, Any], parameters: dict[str, Any]) -> cfn.Renderer:
    return cfn.Renderer(template, parameters)
