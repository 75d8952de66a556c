"""Documentation keeps up with the code: every command and setting is explained."""

from __future__ import annotations

import argparse
from pathlib import Path

from pydantic import BaseModel

from bot.__main__ import build_parser
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = (ROOT / "config.example.toml").read_text(encoding="utf-8")


def subcommands() -> list[str]:
    [action] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(action.choices)


def settings_keys(model: type[BaseModel] = Settings, prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += settings_keys(annotation, f"{prefix}{name}.")
        else:
            keys.append(prefix + name)
    return keys


def test_every_subcommand_is_in_the_readme():
    missing = [c for c in subcommands() if f"dateline {c}" not in README]
    assert missing == []


def test_every_setting_is_in_the_readme_and_the_example():
    keys = settings_keys()
    assert "archive.timezone" in keys
    assert [k for k in keys if f"`{k}`" not in README] == []
    for key in keys:
        section, name = key.split(".")
        assert f"[{section}]" in EXAMPLE, section
        assert f"\n{name} = " in EXAMPLE or f"\n# {name} = " in EXAMPLE, key


def test_readme_test_command_is_what_ci_runs():
    command = "pip install -e '.[test]' && pytest"
    assert command in README
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
