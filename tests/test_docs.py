"""Documentation keeps up with the code: every command, flag and setting is explained.

README is the newcomer's page; the reference lives in docs/. The checks read both, so
a text can live where its subject does without the tests caring which file it is in.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from pydantic import BaseModel

from bot.__main__ import build_parser
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOC_FILES = sorted((ROOT / "docs").glob("*.md"))
DOCS = README + "".join(path.read_text(encoding="utf-8") for path in DOC_FILES)
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
EXAMPLE = (ROOT / "config.example.toml").read_text(encoding="utf-8")
COMMON_FLAGS = {"-h", "--help"}


def subparsers() -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


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


def test_every_subcommand_is_documented():
    assert [c for c in subparsers() if f"dateline {c}" not in DOCS] == []


def test_every_flag_of_every_subcommand_is_documented():
    missing = [
        f"dateline {name} {flag}"
        for name, parser in subparsers().items()
        for action in parser._actions
        for flag in action.option_strings
        if flag.startswith("--")
        and flag not in COMMON_FLAGS
        and not re.search(rf"(?<![\w-]){flag}(?![\w-])", DOCS)
    ]
    assert missing == []


def test_every_setting_is_in_the_configuration_page_and_the_example():
    keys = settings_keys()
    assert "archive.timezone" in keys
    assert [k for k in keys if f"`{k}`" not in CONFIGURATION] == []
    for key in keys:
        section, name = key.split(".")
        assert f"[{section}]" in EXAMPLE, section
        assert f"\n{name} = " in EXAMPLE or f"\n# {name} = " in EXAMPLE, key


def test_readme_test_command_is_what_ci_runs():
    command = "pip install -e '.[test]' && pytest"
    assert command in README
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_relative_link_in_the_docs_leads_to_a_file():
    """A page moved or renamed must not leave README or another page pointing nowhere."""
    broken = []
    for path in [ROOT / "README.md", *DOC_FILES]:
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (path.parent / target).exists():
                broken.append(f"{path.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_readme_links_every_page_in_docs():
    assert [p.name for p in DOC_FILES if f"(docs/{p.name})" not in README] == []
