"""JSONL and CSV exports with the fields ``id, date, source, title, body, url``."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import tzinfo
from typing import Any

import orjson

from bot.archive.model import Article
from bot.archive.problems import RecordError
from bot.archive.records import build_article, parse_timestamp

Parsed = tuple[int, Article | RecordError]


def article_from_fields(fields: Mapping[str, Any], zone: tzinfo) -> Article:
    for required in ("id", "date"):
        if fields.get(required) in (None, ""):
            raise RecordError(f"missing field {required!r}")
    if fields.get("body") in (None, ""):
        raise RecordError("empty body")

    def text(key: str) -> str | None:
        value = fields.get(key)
        return None if value is None else str(value)

    return build_article(
        article_id=str(fields["id"]),
        published=parse_timestamp(str(fields["date"]), zone),
        body=str(fields["body"]),
        source=text("source"),
        title=text("title"),
        url=text("url"),
    )


def parse_jsonl(lines: Iterable[bytes], zone: tzinfo) -> Iterator[Parsed]:
    """Yield ``(line number, article or error)``; blank lines are skipped.

    Lines arrive as bytes so one undecodable line costs that line, not the file.
    """
    for number, raw in enumerate(lines, start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        if not raw.strip():
            continue
        try:
            record = _decode(raw)
        except UnicodeDecodeError as exc:
            yield number, RecordError(f"undecodable bytes at column {exc.start + 1} (not UTF-8)")
            continue
        except ValueError as exc:
            yield number, RecordError(f"malformed JSON ({exc.args[0].split(':')[0]})")
            continue
        if not isinstance(record, dict):
            yield number, RecordError("expected a JSON object")
            continue
        try:
            yield number, article_from_fields(record, zone)
        except RecordError as exc:
            yield number, exc


def _decode(raw: bytes) -> Any:
    """One JSON line, by orjson (a third of the stdlib's time on a big archive).

    orjson reads an integer beyond 64 bits as a float, which would change an
    id; a line with a float in it is read again by the standard library,
    which keeps such integers whole. Bytes that are not UTF-8 raise
    ``UnicodeDecodeError`` with their column.
    """
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw.decode("utf-8"))  # the stdlib's error names the problem
    if isinstance(record, dict) and any(type(v) is float for v in record.values()):
        return json.loads(raw)
    return record


# Python's csv refuses a field over 131,072 characters by default: one long
# genuine article would stop the whole load. The limit is the module's, not a
# reader's, so it is raised for the process; a C long holds 2**31 - 1 anywhere.
CSV_FIELD_LIMIT = 2**31 - 1


def parse_csv(text: str, zone: tzinfo) -> Iterator[Parsed]:
    """Yield ``(line number, article or error)``; the header row names the fields."""
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    missing = {"id", "date", "body"} - {name.strip() for name in reader.fieldnames or []}
    if missing:
        yield 1, RecordError(f"header lacks column(s) {', '.join(sorted(missing))}")
        return
    for row in reader:
        fields = {(key or "").strip(): value for key, value in row.items()}
        try:
            yield reader.line_num, article_from_fields(fields, zone)
        except RecordError as exc:
            yield reader.line_num, exc
