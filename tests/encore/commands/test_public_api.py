"""``encore.commands`` is the one import path: every public name of its modules is re-exported there."""

from __future__ import annotations

import importlib

import pytest

import encore.commands

MODULES = ["catalogue", "help", "option_error", "seek", "spec", "validation"]


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_is_importable_from_the_package(module: str) -> None:
    public = importlib.import_module(f"encore.commands.{module}").__all__
    assert set(public) <= set(encore.commands.__all__)
    for name in public:
        assert getattr(encore.commands, name) is getattr(
            importlib.import_module(f"encore.commands.{module}"), name
        )


def test_the_package_exports_only_what_its_modules_define() -> None:
    defined = {
        name for module in MODULES for name in importlib.import_module(f"encore.commands.{module}").__all__
    }
    assert set(encore.commands.__all__) == defined
    assert all(hasattr(encore.commands, name) for name in encore.commands.__all__)
