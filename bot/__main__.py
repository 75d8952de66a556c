"""``dateline``: the command line. Parses arguments and hands off to one subcommand module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import archive, check, digest, discord, search
from bot.errors import ConfigError, UserFacingError

SUBCOMMANDS = (search, archive, check, digest, discord)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dateline", description=__doc__.split(":", 1)[1].strip())
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
        return 2
    except UserFacingError as exc:
        print(f"dateline: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
