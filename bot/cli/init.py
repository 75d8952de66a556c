"""``dateline init``: a commented config.toml, the folders it names, and what to do next.

On a terminal it asks two questions (where the archive is, which timezone its
timestamps are in), each with a default; anywhere else it asks nothing and
writes the defaults, so a script or a container build can run it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from bot.config import load_settings
from bot.errors import ConfigError, UserFacingError
from bot.paths import data_dir

ARCHIVE = "archive"
NEXT_STEPS = """\
Wrote {config}; the store and the index cache will go in {data}.

Next:
  1. Put your archive in {archive}: JSONL, CSV or .txt files, one article each line or
     file, with at least an id and a date (README.md has a ten-line example).
  2. Get a bot token: https://discord.com/developers/applications, New Application,
     then Bot, Reset Token. Give it to Dateline: export DISCORD_TOKEN=... (or put it in a
     file and name that file in discord.token_file).
  3. Check everything: dateline check
  4. Add the bot to your server: dateline invite --client-id ID
     (ID is the Application ID on the portal's General Information page)
  5. Start it: dateline run
"""


def register(commands: argparse._SubParsersAction) -> None:
    init = commands.add_parser(
        "init",
        help="write a commented config.toml and make the data folder: the first step",
        description=(__doc__ or "").split("\n\n")[0].split(": ", 1)[1],
    )
    init.add_argument("--force", action="store_true", help="replace an existing config.toml")
    init.set_defaults(handler=run_init)


def template() -> str:
    return files("bot").joinpath("config.example.toml").read_text(encoding="utf-8")


def configured(text: str, archive: str, timezone: str) -> str:
    """The example with this installation's answers in place of the sample ones."""
    text = re.sub(r"(?m)^paths = .*$", f"paths = [{_toml(archive)}]", text, count=1)
    return re.sub(r"(?m)^timezone = .*$", f"timezone = {_toml(timezone)}", text, count=1)


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ask(question: str, default: str, check: Callable[[str], object]) -> str:
    """Ask until the answer passes ``check`` (which raises ValueError with the reason)."""
    while True:
        answer = input(f"{question} [{default}]: ").strip() or default
        try:
            check(answer)
        except ValueError as exc:
            print(f"  {exc}")
            continue
        return answer


def run_init(args: argparse.Namespace) -> int:
    config = Path("config.toml")
    if config.exists() and not args.force:
        raise UserFacingError(f"{config.absolute()} exists; keep it, or replace it with --force")
    archive, timezone = ARCHIVE, "UTC"
    if sys.stdin.isatty() and sys.stdout.isatty():
        archive = ask("Where is your archive (a folder, file or glob)", ARCHIVE, str)
        timezone = ask("Timezone of timestamps without an offset", "UTC", _check_zone)
    config.write_text(configured(template(), archive, timezone), encoding="utf-8")
    try:
        load_settings(config, environ={})  # what was written must read back
    except ConfigError as exc:
        config.unlink()
        raise UserFacingError(f"not written: {exc}") from None
    data = data_dir(os.environ)
    data.mkdir(parents=True, exist_ok=True)
    archive_path = Path(archive)
    if archive == ARCHIVE:
        archive_path.mkdir(exist_ok=True)
    shown = f"{archive_path}/" if archive_path.is_dir() else str(archive_path)
    print(NEXT_STEPS.format(config=config, data=f"{data}/", archive=shown), end="")
    return 0


def _check_zone(value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not a timezone: try UTC, Europe/Berlin or Asia/Baghdad") from None
