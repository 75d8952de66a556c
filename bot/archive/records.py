"""Turn the raw fields every format shares into a validated :class:`Article`."""

from __future__ import annotations

import sys
from datetime import datetime, tzinfo

from bot.archive.model import Article
from bot.archive.problems import RecordError
from bot.archive.titles import UNKNOWN_SOURCE, derive_title, shorten, split_source

MAX_SOURCE = 100  # an outlet's name; a whole article in the field would fill every footer


def parse_timestamp(text: str, zone: tzinfo) -> datetime:
    """ISO 8601 with or without offset; a naive value is read in the archive's zone."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise RecordError(f"bad timestamp {text.strip()[:40]!r} (expected ISO 8601)") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def build_article(
    *,
    article_id: str,
    published: datetime,
    body: str,
    source: str | None = None,
    title: str | None = None,
    url: str | None = None,
) -> Article:
    """Normalise line endings and whitespace, derive what is missing, reject what is unusable."""
    body = "\n".join(line.rstrip() for line in body.replace("\r\n", "\n").split("\n")).strip()
    if not article_id.strip():
        raise RecordError("missing field 'id'")
    if not body:
        raise RecordError("empty body")
    prefix_source, _ = split_source(body)
    source = (
        shorten(" ".join((source or "").split()), MAX_SOURCE) or prefix_source or UNKNOWN_SOURCE
    )
    title = " ".join((title or "").split()) or derive_title(body)
    return Article(
        id=article_id.strip(),
        published=published,
        source=sys.intern(source),  # a handful of outlets shared by 10^6 articles
        title=shorten(title, 256),
        body=body,
        url=(url or "").strip() or None,
    )
