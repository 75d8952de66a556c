"""The ``dateline`` command: parse the arguments, run one subcommand, map errors to exit codes.

Exit codes: 0 fine, 1 a problem with the input or the archive, 2 a bad flag
or configuration (one line saying which).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from bot.cli import archive, check, digest, discord, init, search
from bot.cli.args import EXIT_USAGE, Parser
from bot.errors import ConfigError, UserFacingError

SUBCOMMANDS = (init, search, digest, archive, check, discord)

DESCRIPTION = """\
Dateline turns a news archive into something a team can talk to: typo-tolerant search
and "on this date" digests, on the command line and as a Discord bot.

Start with `dateline init`, then `dateline check`; `dateline COMMAND --help` explains
each command. Documentation: README.md and docs/."""


def _version() -> str:
    try:
        return version("dateline-bot")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def build_parser() -> Parser:
    parser = Parser(
        prog="dateline",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dateline {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except ConfigError as exc:
        print(f"dateline: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UserFacingError as exc:
        print(f"dateline: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `dateline search ... | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
