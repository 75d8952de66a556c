"""Which parsed articles join the archive: the rules a full load and an update share.

An id names one article: the first file (in ``discover``'s order) to have it
keeps it, and a later one is a problem. A text is kept once: a later copy
with the same headline is dropped (its id an alias of the kept one); under
another headline it is kept as a twin, a version of the same story.

An update reads only new and changed files, against the articles kept from
the rest (``retain``). "First" must still mean first in file order, so when
a file read anew repeats an id or a text held by a kept file that comes
*later* in that order, the kept file is named in ``conflicts``: the caller
reads it again too, after the new one, as a full load would.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from bot.archive.bodies import BodyFile
from bot.archive.duplicates import Duplicates, KeptTexts
from bot.archive.ledger import FileRecord
from bot.archive.model import Article
from bot.archive.problems import RecordError, same_text_as
from bot.archive.scan import Reading

log = logging.getLogger(__name__)


class Indexed(Protocol):
    """What an update asks of the index it updates (``bot.search.index.SearchIndex``)."""

    def get(self, article_id: str) -> Article | None: ...

    def file_of(self, article_id: str) -> str | None: ...


class Admission:
    """The ids and texts held so far, and the files they came from."""

    def __init__(self, bodies: BodyFile | None = None, indexed: Indexed | None = None) -> None:
        """``bodies`` receives each kept article's body; ``indexed`` holds the retained ones."""
        self.bodies = bodies
        self.conflicts: set[str] = set()  # keys of retained files that must be read again
        self._owner: dict[str, str] = {}  # article id -> key of the file that holds it
        self._paths: dict[str, Path] = {}  # file key -> path
        self._kept: set[str] = set()  # keys of retained files, read on or not
        self._retained: set[str] = set()  # those not read on (yet)
        # Ids of retained articles dropped for their text: an id is checked before a
        # text, so a new article with one, earlier in order, changes why they are dropped.
        self._aliased: dict[str, list[str]] = {}
        self._duplicates = Duplicates()
        self._indexed = indexed
        self._kept_texts = KeptTexts(indexed.get) if indexed is not None else None

    def retain(self, record: FileRecord) -> None:
        """Hold the articles ``record`` says its file gave, without reading it.

        Retain files in the order a full load reads them. Their ids are looked
        up in the index, their texts by the keys the record holds.
        """
        if self._indexed is None or self._kept_texts is None:
            raise ValueError("retaining articles needs the index that holds them")
        self._paths[record.key] = Path(record.path)
        self._kept.add(record.key)
        self._retained.add(record.key)
        self._kept_texts.add(record.text_keys, record.ids)
        for article_id in record.aliases:
            self._aliased.setdefault(article_id, []).append(record.key)

    def read(self, record: FileRecord, reading: Reading) -> Iterator[Article]:
        """The articles of ``reading`` that join the archive; ``record`` notes what it gave."""
        self._paths[record.key] = Path(record.path)
        self._retained.discard(record.key)
        last_article_line = 0
        for line, parsed in reading:
            if isinstance(parsed, RecordError):
                record.problems.append((line, str(parsed)))
                continue
            last_article_line = max(last_article_line, line or 0)
            kept = self._admit(record, line, parsed)
            if kept is not None:
                yield kept
        record.extent = reading.extent
        record.tail = record.extent is not None and last_article_line > record.extent.lines

    def _owner_of(self, article_id: str) -> str | None:
        owner = self._owner.get(article_id)
        if owner is None and self._indexed is not None:
            owner = self._indexed.file_of(article_id)
            return owner if owner in self._kept else None  # not a retiring file's
        return owner

    def _original_of(self, article: Article) -> tuple[bytes, Article | None]:
        key, original = self._duplicates.original_of(article)
        if self._kept_texts is not None:  # kept articles come first (else: a conflict)
            original = self._kept_texts.original_of(key, article.body) or original
        return key, original

    def _admit(self, record: FileRecord, line: int | None, article: Article) -> Article | None:
        for other in self._aliased.get(article.id, ()):
            self._link(record, other, note=False)
        owner = self._owner_of(article.id)
        if owner is not None:
            self._link(record, owner)
            record.links.add(owner)  # even its own: the reason names the path (a rename rereads)
            reason = f"duplicate id {article.id!r} (first in {self._paths[owner]})"
            record.problems.append((line, reason))
            return None
        key, original = self._original_of(article)
        if original is not None:
            self._link(record, self._owner_of(original.id) or record.key)
            if not same_headline(original, article):
                record.twins[article.id] = original.id
            else:
                record.problems.append((line, same_text_as(original.id)))
                record.aliases[article.id] = original.id
                return None
        self._owner[article.id] = record.key
        if self.bodies is not None:
            try:
                article = article.stored_in(self.bodies)
            except OSError as exc:  # disk full: keep the rest in memory
                log.warning("Keeping article bodies in memory: %s", exc)
                self.bodies = None
        self._duplicates.add(key, article)
        record.add(article.id, key)
        return article

    def _link(self, record: FileRecord, owner: str, *, note: bool = True) -> None:
        """``record`` depends on ``owner``'s articles (noted in it unless ``note`` is False);
        a retained ``owner`` later in order must then be read again."""
        if owner == record.key:
            return
        if note:
            record.links.add(owner)
        if owner in self._retained and self._paths[owner] > Path(record.path):
            self.conflicts.add(owner)


def same_headline(one: Article, other: Article) -> bool:
    """Whether two headlines read the same, up to case and spacing."""
    return one.title.casefold().split() == other.title.casefold().split()
