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
from bot.archive.urls import MAX_URL, web_url

Parsed = tuple[int, Article | RecordError]


def read_record(number: int, fields: Mapping[str, Any], zone: tzinfo) -> Iterator[Parsed]:
    """The record's article, or why not; first a problem for a url it has but cannot link.

    A url that is not an http(s) address with a host costs the link, not the
    article: it is dropped, and said so.
    """
    try:
        given = (_text(fields, "url") or "").strip()
        url = web_url(given) if given else None
        article = article_from_fields(fields, zone, url)
    except RecordError as exc:
        yield number, exc
        return
    if given and url is None:
        shown = given if len(given) <= 60 else given[:59] + "…"
        reason = "not an http(s) address with a host" if len(given) <= MAX_URL else "too long"
        yield number, RecordError(f"url {shown!r} dropped: {reason}")
    yield number, article


def article_from_fields(fields: Mapping[str, Any], zone: tzinfo, url: str | None) -> Article:
    for required in ("id", "date"):
        if fields.get(required) in (None, ""):
            raise RecordError(f"missing field {required!r}")
    if fields.get("body") in (None, ""):
        raise RecordError("empty body")
    return build_article(
        article_id=_id(fields["id"]),
        published=parse_timestamp(_text(fields, "date"), zone),
        body=_text(fields, "body"),
        source=_text(fields, "source"),
        title=_text(fields, "title"),
        url=url,
    )


def _id(value: Any) -> str:
    """Text or a whole number; a list, object, boolean or fraction names no article."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise RecordError(f"field 'id' is {_json_kind(value)}; expected text or a whole number")
    return value


def _text(fields: Mapping[str, Any], key: str) -> Any:
    """A field as text; numbers are read as written (a date of 1 is then a bad timestamp)."""
    value = fields.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise RecordError(f"field {key!r} is {_json_kind(value)}; expected text")


def _json_kind(value: Any) -> str:
    kinds = {bool: "true or false", list: "a list", dict: "an object", float: "a fraction"}
    return next((kind for t, kind in kinds.items() if isinstance(value, t)), "not text")


def parse_jsonl(lines: Iterable[bytes], zone: tzinfo, first_line: int = 1) -> Iterator[Parsed]:
    """Yield ``(line number, article or error)``; blank lines are skipped.

    Lines arrive as bytes so one undecodable line costs that line, not the file.
    A byte order mark may open any line: files joined with ``cat`` keep theirs.
    """
    for number, raw in enumerate(lines, start=first_line):
        if raw.startswith(codecs.BOM_UTF8):
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
        yield from read_record(number, record, zone)


def _decode(raw: bytes) -> Any:
    """One JSON line, by orjson (a third of the stdlib's time on a big archive).

    What orjson refuses is refused: the standard library would accept a lone
    surrogate (text no file or database can store), NaN, or recurse until it
    fails on deep nesting. Bytes that are not UTF-8 raise ``UnicodeDecodeError``
    with their column. orjson reads an integer beyond 64 bits as a float,
    which would change an id; a line with a float in it is read again by the
    standard library, which keeps such integers whole.
    """
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raw.decode("utf-8")  # bytes that are not UTF-8 are named as such, with their column
        raise ValueError(str(exc)) from None
    if isinstance(record, dict) and any(type(v) is float for v in record.values()):
        try:
            return json.loads(raw)
        except RecursionError:  # orjson allows deeper nesting than the stdlib's C stack
            raise ValueError("nested too deeply") from None
    return record


# Python's csv refuses a field over 131,072 characters by default: one long
# genuine article would stop the whole load. The limit is the module's, not a
# reader's, so it is raised for the process; a C long holds 2**31 - 1 anywhere.
CSV_FIELD_LIMIT = 2**31 - 1


def parse_csv(text: str, zone: tzinfo) -> Iterator[Parsed]:
    """Yield ``(line the record starts on, article or error)``; the header names the fields.

    A row with more or fewer fields than the header is reported, not guessed
    at: an unquoted comma in a body shifts every field after it.
    """
    return CsvReading(text.lstrip("\ufeff"), zone).records()


class CsvReading:
    """One reading of CSV text, which remembers where its last complete record ends.

    An archive file that grows is read again from there (see
    ``bot.archive.scan``): ``header`` and ``lines_before`` then come from the
    first reading, so the appended rows get their fields and line numbers.
    A record is complete when a line break outside quotes ends it; a last
    record cut short (a writer caught mid-row) is read again when it grows.
    """

    def __init__(
        self, text: str, zone: tzinfo, header: list[str] | None = None, lines_before: int = 0
    ) -> None:
        self.text, self.zone, self.header, self.lines_before = text, zone, header, lines_before
        self.complete_chars = 0  # where the last complete record ends, in characters of text
        self.complete_lines = lines_before  # and in lines of the whole file
        self._read = 0  # characters handed to the csv reader so far

    def _lines(self) -> Iterator[str]:
        for line in io.StringIO(self.text, newline=""):
            self._read += len(line)
            yield line

    def records(self) -> Iterator[Parsed]:
        csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
        reader = csv.reader(self._lines())
        header = self.header
        if header is None:
            header = [name.strip() for name in next(reader, [])]
            missing = {"id", "date", "body"} - set(header)
            if missing:
                yield 1, RecordError(f"header lacks column(s) {', '.join(sorted(missing))}")
                return
            if not _ends_line(self.text[self._read - 1 : self._read]):
                return  # a header still being written: no rows, and nothing to resume from
            self.header = header
        begin = last = (self._read, reader.line_num)  # where a record starts; the last one's
        while True:
            last, begin = begin, (self._read, reader.line_num)
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield self.lines_before + start, RecordError(f"unreadable CSV ({exc})")
                continue
            if not row:  # a blank line
                continue
            if len(row) != len(header):
                reason = f"{len(row)} fields where the header names {len(header)}"
                yield self.lines_before + start, RecordError(reason)
                continue
            yield from read_record(
                self.lines_before + start, dict(zip(header, row, strict=True)), self.zone
            )
        # Every record but the last was followed by another; the last may be cut short.
        done = begin if _closed(self.text[last[0] : begin[0]]) else last
        self.complete_chars, self.complete_lines = done[0], self.lines_before + done[1]


def _ends_line(text: str) -> bool:
    return text.endswith(("\n", "\r"))


def _closed(record: str) -> bool:
    """Whether the CSV text of one last record ends it: a line break, and no quote left open.

    A line break inside an open quote is part of a field; a line read after
    such a record joins the field, not a row of its own.
    """
    if not _ends_line(record):
        return False
    try:
        rows = list(csv.reader(io.StringIO(record + "z\n", newline="")))
    except csv.Error:
        return False
    return len(rows) >= 2 and rows[-1] == ["z"]
