"""Data flows one way: nothing below the Discord glue may import discord."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_discord_import_outside_bot_discord():
    offenders = [
        str(path.relative_to(BOT))
        for path in BOT.rglob("*.py")
        if "discord" not in path.relative_to(BOT).parts[:1]
        and any(name == "discord" or name.startswith("discord.") for name in imported_modules(path))
    ]
    assert offenders == []
