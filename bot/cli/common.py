"""What every subcommand shares: settings with command-line overrides, logging, the App."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.app import App, Endpoint
from bot.archive import Problem
from bot.config import Settings, load_settings
from bot.observe import logs


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH", help="TOML settings (default ./config.toml)")
    parser.add_argument(
        "--archive",
        metavar="PATH",
        action="append",
        help="archive file, folder or glob; repeatable; replaces archive.paths",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")


def settings_from(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    if args.archive:
        archive = settings.archive.model_copy(update={"paths": list(args.archive)})
        settings = settings.model_copy(update={"archive": archive})
    return settings


def configure_logging(settings: Settings, verbose: bool) -> None:
    logs.configure(logging.DEBUG if verbose else settings.logging.level, settings.logging.format)


def open_app(
    args: argparse.Namespace, *, rebuild: bool = False, endpoint: Endpoint | None = None
) -> App:
    settings = settings_from(args)
    configure_logging(settings, args.verbose)
    return App.open(settings, rebuild=rebuild, endpoint=endpoint)


def report_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
