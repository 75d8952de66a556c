"""The seed text format: a timestamp line, a blank line, then the body.

``2020-03-26 12:23:35`` / blank / ``Shafaq News / The handover ceremony ...``.
The file stem is the article id.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from pathlib import Path

from bot.archive.model import Article
from bot.archive.problems import RecordError
from bot.archive.records import build_article

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def parse_seed_text(path: Path, text: str, zone: tzinfo) -> Article:
    """Parse one seed file's decoded text; raise RecordError naming what is wrong."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    stamp = lines[0].strip()
    if not _TIMESTAMP.fullmatch(stamp):
        raise RecordError(f"bad timestamp {stamp[:40]!r} (expected YYYY-MM-DD HH:MM:SS)")
    try:
        published = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)
    except ValueError as exc:
        raise RecordError(f"bad timestamp {stamp!r} ({exc})") from None
    if len(lines) > 1 and lines[1].strip():
        raise RecordError("expected a blank line after the timestamp")
    return build_article(article_id=path.stem, published=published, body="\n".join(lines[2:]))
