"""``dateline check``: is this installation ready to run? Everything but Discord itself.

It reads the configuration, loads the archive, and checks what ``dateline run``
would need next: a writable cache, a store it can open (and which migration it
is at), and a token. Exact duplicates in the archive are notes, not problems:
nothing is lost, their ids open the kept copy (``--strict`` counts them too).
It never calls Discord, so it runs in CI and on a machine without a network.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.common import add_common_arguments, open_app, plural, report_problems
from bot.cluster.topology import resolve
from bot.config import Settings
from bot.errors import ConfigError

STORE_TIMEOUT = 10.0  # seconds; an unreachable PostgreSQL host otherwise hangs for minutes


def register(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser(
        "check",
        help="check the configuration, archive, cache, store and token; exit 1 on a problem",
        description=(__doc__ or "").split("\n\n")[1],
    )
    check.add_argument(
        "--strict", action="store_true", help="count exact duplicates in the archive as problems"
    )
    add_common_arguments(check)
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    app = open_app(args)
    settings = app.settings
    archive = app.archive.current
    report_problems(archive.problems)
    notes = [p for p in archive.problems if p.is_note]
    problems = [p for p in archive.problems if not p.is_note or args.strict]
    failed = bool(problems)
    topology = resolve(settings.cluster, settings.store.url)  # one line if it can't run
    print(f"Config:  {settings.source_path}")
    line = f"Archive: {plural(len(archive.index.articles), 'article')}"
    if problems:
        line += f"; {plural(len(problems), 'problem')} (listed above)"
    if notes and not args.strict:
        line += f"; {plural(len(notes), 'note')} (exact duplicates, kept once)"
    if not archive.index.articles:
        line += f": nothing to serve ({archive.why_empty()}; check archive.paths or --archive)"
        failed = True
    print(line)
    print(f"Cluster: this process would run {topology.describe()}")
    for label, (ok, text) in (
        ("Cache", cache_status(Path(settings.search.cache_dir))),
        ("Store", asyncio.run(store_status(settings.store.connect_url()))),
        ("Token", token_status(settings)),
    ):
        print(f"{label + ':':<8} {text}")
        failed = failed or not ok
    print("Problems found." if failed else "Ready to run.")
    return 1 if failed else 0


def cache_status(folder: Path) -> tuple[bool, str]:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".check-"):
            pass
    except OSError as error:
        return False, f"{folder} is not writable ({error.strerror})"
    return True, f"{folder} (writable)"


async def store_status(url: str) -> tuple[bool, str]:
    """Open the store without changing it: which migration it is at, or why it can't be opened.

    The store's libraries are imported here: every ``dateline`` command
    imports this module to list its flags, and most never open a store.
    """
    from bot.store import Store
    from bot.store.migrate import current_revision, head_revision

    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    head = head_revision()
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        database = Path(parsed.database)
        if not database.exists():
            return _new_sqlite_status(database, head)
    store = Store.open(url)
    try:
        revision = await asyncio.wait_for(current_revision(store.engine), STORE_TIMEOUT)
    except TimeoutError:
        return False, f"{shown}: no answer within {STORE_TIMEOUT:g} s"
    except (SQLAlchemyError, OSError) as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        return False, f"{shown}: cannot open it: {reason}"
    finally:
        await store.close()
    if revision is None:
        return True, f"{shown}: empty; `dateline run` creates the tables (migration {head})"
    if revision == head:
        return True, f"{shown}: at migration {revision}, the latest"
    return True, f"{shown}: at migration {revision}; `dateline run` upgrades it to {head}"


def _new_sqlite_status(database: Path, head: str | None) -> tuple[bool, str]:
    folder = next((p for p in [database.parent, *database.parents] if p.exists()), Path("/"))
    if not os.access(folder, os.W_OK):
        return False, f"{database} does not exist and {folder} is not writable"
    return True, f"{database}: not created yet; `dateline run` creates it (migration {head})"


def token_status(settings: Settings) -> tuple[bool, str]:
    """Present or not, never shown; without one, only ``dateline run`` and ``invite`` stop."""
    from bot.discord.runner import read_token

    try:
        read_token(settings, os.environ)
    except ConfigError as error:
        if settings.discord.token_file:
            return False, str(error)
        return True, "none yet: set DISCORD_TOKEN or discord.token_file before `dateline run`"
    where = "DISCORD_TOKEN" if os.environ.get("DISCORD_TOKEN", "").strip() else "token_file"
    return True, f"present (from {where}; not sent to Discord by check)"
