"""What every subcommand shares: settings with command-line overrides, logging, the App."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.archive import Problem
from bot.config import Settings, load_settings
from bot.observe import logs
from bot.snapshot import ArchiveHolder, ArchiveSnapshot

if TYPE_CHECKING:
    from bot.app import App, Endpoint


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH", help="TOML settings (default ./config.toml)")
    parser.add_argument(
        "--archive",
        metavar="PATH",
        action="append",
        help="archive file, folder or glob; repeatable; replaces archive.paths",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log what Dateline is doing (-vv: debug detail too)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    if args.archive:
        archive = settings.archive.model_copy(update={"paths": list(args.archive)})
        settings = settings.model_copy(update={"archive": archive})
    return settings


def configure_logging(settings: Settings, verbose: int, *, service: bool = False) -> None:
    """A command answers on standard output and logs only warnings, unless asked (-v, -vv).

    The bot (``service``) is different: its log is its output, at ``logging.level``.
    """
    levels = {0: settings.logging.level if service else logging.WARNING, 1: logging.INFO}
    logs.configure(levels.get(verbose, logging.DEBUG), settings.logging.format)


def open_app(
    args: argparse.Namespace, *, rebuild: bool = False, endpoint: Endpoint | None = None
) -> App:
    """The whole App: for the commands that use its store, clock or endpoint.

    Imported here, not at the top, so that ``dateline index`` and ``stats``
    (:func:`open_archive`) never load the store's, scheduler's and cluster's
    libraries: a second of a command whose goal is seconds.
    """
    from bot.app import App

    settings = settings_from(args)
    configure_logging(settings, args.verbose, service=args.command == "run")
    return App.open(settings, rebuild=rebuild, endpoint=endpoint)


def open_archive(
    args: argparse.Namespace, *, rebuild: bool = False
) -> tuple[Settings, ArchiveSnapshot]:
    """The settings and just the archive, for commands that open nothing else."""
    settings = settings_from(args)
    configure_logging(settings, args.verbose)
    return settings, ArchiveHolder.open(settings, rebuild=rebuild).current


def report_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 article``, ``2 articles``, ``1,951 articles``: counts read as people write them."""
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"
