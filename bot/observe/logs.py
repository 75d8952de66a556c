"""Logging set-up: plain lines for people, or one JSON object a line for log collectors.

The JSON lines carry what an operator filters by: the incident id of a
failure, and the guild and command an interaction log line is about. The
interaction's fields are bound in a context variable when it arrives, so
every line logged while handling it carries them without each call passing
them. A user's id is never added, and the token is redacted by the filter
the runner installs on every handler.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONTEXT_FIELDS = ("incident", "guild_id", "command")

_context: ContextVar[dict[str, Any] | None] = ContextVar("dateline_log_context", default=None)


def bind(**fields: Any) -> None:
    """Add fields to every log line of the current task (an interaction's handler)."""
    _context.set({**(_context.get() or {}), **fields})


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = _context.get() or {}
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, context.get(name))
            if value is not None:
                entry[name] = value
        if record.exc_text:  # already formatted (and redacted)
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: int | str, fmt: LogFormat = "text") -> None:
    """One handler on the root logger, to standard error (standard output is for answers)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
