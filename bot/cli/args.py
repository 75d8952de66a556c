"""Reading flags: every bad value is one line naming the flag, and exit code 2.

argparse prints a usage block before its error; for a flag given a bad value
the usage says nothing the error doesn't, so the parser prints only
``dateline search: --limit: expected a whole number from 1 to 100``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import NoReturn

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message.removeprefix('argument ')}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """A flag's value as an int from ``low`` to ``high``, or argparse's one-line error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low} to {high}, not {text!r}"
            )
        return value

    parse.__name__ = "whole number"
    return parse
