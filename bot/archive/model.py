"""The one record every stage downstream of the loader works with."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.archive.bodies import BodyFile, StoredText


class Article:
    """A dated news article, whatever archive format it came from.

    ``published`` is always timezone-aware: naive timestamps are read in the
    archive's configured zone by the loader, so nothing downstream guesses.
    The body is held in memory or, for a loaded archive, in a
    :class:`~bot.archive.bodies.BodyFile` and read when asked for; either way
    ``article.body`` is its text. Articles are immutable.
    """

    __slots__ = ("_body", "id", "published", "source", "title", "url")

    id: str
    published: datetime
    source: str
    title: str
    url: str | None
    _body: str | StoredText

    def __init__(
        self,
        id: str,
        published: datetime,
        source: str,
        title: str,
        body: str | StoredText,
        url: str | None = None,
    ) -> None:
        assign = object.__setattr__  # immutable: our own __setattr__ refuses
        assign(self, "id", id)
        assign(self, "published", published)
        assign(self, "source", source)
        assign(self, "title", title)
        assign(self, "url", url)
        assign(self, "_body", body)

    @property
    def body(self) -> str:
        body = self._body
        return body if isinstance(body, str) else body.read()

    def story(self) -> str:
        """The body without its opening "Outlet / " credit, which ``source`` already says.

        Seed-format bodies open with it; excerpts shown under the outlet's name
        would otherwise spend their first words repeating it.
        """
        body = self.body
        credit = f"{self.source} / "
        return body[len(credit) :] if body.startswith(credit) else body

    @property
    def stored(self) -> StoredText | None:
        """Where the body lies in its :class:`~bot.archive.bodies.BodyFile`; None in memory."""
        body = self._body
        return None if isinstance(body, str) else body

    def encoded_body(self) -> bytes:
        """The body as UTF-8, straight from its file when it is stored."""
        body = self._body
        return body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body.raw()

    @property
    def calendar_date(self) -> date:
        """The date in the article's own offset: what "on this day" means for it."""
        return self.published.date()

    def stored_in(self, bodies: BodyFile) -> Article:
        """The same article with its body moved into ``bodies``."""
        stored = bodies.append(self.body)
        return Article(self.id, self.published, self.source, self.title, stored, self.url)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Article is immutable; cannot set {name!r}")

    def _key(self) -> tuple:
        return (self.id, self.published, self.source, self.title, self.body, self.url)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Article) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.id, self.published))

    def __repr__(self) -> str:
        return f"Article(id={self.id!r}, published={self.published!r}, title={self.title!r})"
