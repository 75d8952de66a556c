"""Reading only what changed in an archive gives what reading all of it gives.

Each test keeps an archive "indexed" the way an update leaves it (the articles
of retired files dropped, new ones added) and compares it, after every
change to the files, with a full load of them: articles, problems with their
line numbers, aliases and twins.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.archive import Article, load_archive
from bot.archive.changes import Kind, Update, load_changes
from bot.archive.ledger import Ledger

DAY = "2021-06-0{n}T10:00:00+00:00"


def line(article_id: str, body: str, title: str = "", n: int = 1) -> str:
    record = {"id": article_id, "date": DAY.format(n=n), "title": title, "body": body}
    return json.dumps(record) + "\n"


def seed(body: str) -> str:
    return f"2020-03-26 12:23:35\n\nWire / {body}\n"


class Indexed:
    """An archive as an index holds it: articles by file key, and the ledger."""

    def __init__(self, root: Path) -> None:
        self.root = root
        report = load_archive([root])
        self.ledger: Ledger = report.ledger
        self.files: dict[str, list[Article]] = {}
        for article, key in zip(report.articles, report.origins, strict=True):
            self.files.setdefault(key, []).append(article)
        self.ledger = Ledger.from_bytes(report.ledger.to_bytes())  # as read back from a cache

    def get(self, article_id: str) -> Article | None:
        return next((a for arts in self.files.values() for a in arts if a.id == article_id), None)

    def file_of(self, article_id: str) -> str | None:
        return next((k for k, arts in self.files.items() for a in arts if a.id == article_id), None)

    def update(self) -> Update:
        update = load_changes(self.ledger, [self.root], UTC, indexed=self)
        for key in update.retired:
            self.files.pop(key, None)
        for article, key in zip(update.articles, update.origins, strict=True):
            self.files.setdefault(key, []).append(article)
        self.ledger = Ledger.from_bytes(update.ledger.to_bytes())
        self.problems = update.problems
        return update

    def state(self) -> tuple:
        articles = sorted(
            (a.id, a.published, a.source, a.title, a.body, a.url)
            for arts in self.files.values()
            for a in arts
        )
        problems = [(p.path, p.line, p.reason) for p in self.ledger.problems()]
        return articles, problems, self.ledger.aliases(), self.ledger.twins()


def full_state(root: Path) -> tuple:
    report = load_archive([root])
    articles = sorted(
        (a.id, a.published, a.source, a.title, a.body, a.url) for a in report.articles
    )
    problems = [(p.path, p.line, p.reason) for p in report.problems]
    return articles, problems, report.aliases, report.twins


def kinds(update: Update) -> dict[str, Kind]:
    return {Path(c.path).name: c.kind for c in update.changes if c.kind is not Kind.UNCHANGED}


def test_appended_jsonl_lines_alone_are_read(tmp_path):
    export = tmp_path / "export.jsonl"
    export.write_text(line("a", "First story.") + line("b", "Second story."))
    indexed = Indexed(tmp_path)
    with export.open("a") as out:
        out.write(line("c", "Third story.") + line("d", "Fourth story."))
    update = indexed.update()
    assert kinds(update) == {"export.jsonl": Kind.GROWN}
    assert [a.id for a in update.articles] == ["c", "d"]
    assert update.retired == {}
    assert update.summary() == "+2 articles from 1 file, 0 removed"
    assert indexed.state() == full_state(tmp_path)


def test_a_half_written_last_line_is_read_again_once_finished(tmp_path):
    export = tmp_path / "export.jsonl"
    export.write_text(line("a", "First story."))
    indexed = Indexed(tmp_path)
    whole = line("b", "Second story.")
    with export.open("a") as out:
        out.write(whole[:20])  # a writer caught mid-line
    update = indexed.update()
    assert update.articles == []
    assert [(p.line, p.reason.split(" (")[0]) for p in update.problems] == [(2, "malformed JSON")]
    assert indexed.state() == full_state(tmp_path)
    with export.open("a") as out:
        out.write(whole[20:] + line("c", "Third story."))
    update = indexed.update()
    assert kinds(update) == {"export.jsonl": Kind.GROWN}
    assert [a.id for a in update.articles] == ["b", "c"]
    assert update.problems == []
    assert indexed.state() == full_state(tmp_path)


def test_a_last_line_without_line_break_that_parses_is_kept_and_its_growth_reread(tmp_path):
    export = tmp_path / "export.jsonl"
    export.write_text(line("a", "First story.") + line("b", "Second story.").rstrip("\n"))
    indexed = Indexed(tmp_path)
    assert sorted(a.id for arts in indexed.files.values() for a in arts) == ["a", "b"]
    with export.open("a") as out:
        out.write("\n" + line("c", "Third story."))
    update = indexed.update()
    assert kinds(update) == {"export.jsonl": Kind.CHANGED}  # "b" came from the unfinished line
    assert indexed.state() == full_state(tmp_path)


def test_a_bad_appended_line_is_reported_at_its_line_and_skipped(tmp_path):
    export = tmp_path / "export.jsonl"
    export.write_text(line("a", "First story.") + "{broken\n" + line("b", "Second story."))
    indexed = Indexed(tmp_path)
    with export.open("a") as out:
        out.write(line("c", "Third story.") + "\n" + "[1, 2]\n" + line("d", "Fourth."))
    update = indexed.update()
    assert [a.id for a in update.articles] == ["c", "d"]
    assert [(p.line, p.reason.split(" (")[0]) for p in update.problems] == [
        (2, "malformed JSON"),
        (6, "expected a JSON object"),
    ]
    assert indexed.state() == full_state(tmp_path)


def test_csv_rows_appended_get_the_header_and_their_line_numbers(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text(
        '\ufeffid,date,title,body\r\nc1,2021-06-01T10:00:00+00:00,One,"Line one.\r\nLine two."\r\n',
        newline="",
    )
    indexed = Indexed(tmp_path)
    with export.open("a", newline="") as out:
        out.write("c2,2021-06-02T10:00:00+00:00,Two,Body two.\r\n")
        out.write("c3,2021-06-03,Three\r\n")  # a field short
        out.write('c4,2021-06-04T10:00:00+00:00,Four,"Body ')  # cut inside its quotes
    update = indexed.update()
    assert kinds(update) == {"export.csv": Kind.GROWN}
    assert [a.id for a in update.articles] == ["c2", "c4"]  # c4 as a full load reads it now
    assert [(p.line, p.reason) for p in update.problems] == [
        (5, "3 fields where the header names 4")
    ]
    assert indexed.state() == full_state(tmp_path)
    with export.open("a", newline="") as out:
        out.write('four,\r\nfinished."\r\nc5,2021-06-05T10:00:00+00:00,Five,Body five.\r\n')
    indexed.update()
    assert indexed.get("c4").body == "Body four,\nfinished."
    assert indexed.state() == full_state(tmp_path)


def test_a_row_cut_inside_quotes_then_finished_is_read_as_one(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text('id,date,body\nc1,2021-06-01,One.\nc2,2021-06-02,"Two,\n')
    indexed = Indexed(tmp_path)
    assert indexed.ledger.records[str(export)].extent.lines == 2
    with export.open("a") as out:
        out.write('still two."\nc3,2021-06-03,Three.\n')
    update = indexed.update()
    assert kinds(update) == {"export.csv": Kind.CHANGED}  # c2 had been read from the cut row
    assert indexed.get("c2").body == "Two,\nstill two."
    assert indexed.state() == full_state(tmp_path)


def test_a_file_changed_in_place_is_read_again_and_its_old_articles_retired(tmp_path):
    export = tmp_path / "export.jsonl"
    export.write_text(line("a", "First story.") + line("b", "Second story."))
    (tmp_path / "other.jsonl").write_text(line("z", "Unrelated."))
    indexed = Indexed(tmp_path)
    old_key = indexed.ledger.records[str(export)].key
    export.write_text(line("a", "First story!") + line("b", "Second story."))  # same size
    update = indexed.update()
    assert kinds(update) == {"export.jsonl": Kind.CHANGED}
    assert update.retired == {old_key: 2}
    assert update.read == [str(export)]
    assert indexed.get("a").body == "First story!"
    assert indexed.state() == full_state(tmp_path)


def test_a_removed_file_takes_its_articles_and_problems_with_it(tmp_path):
    (tmp_path / "a.jsonl").write_text(line("a", "First story.") + "nope\n")
    (tmp_path / "b.jsonl").write_text(line("b", "Second story."))
    indexed = Indexed(tmp_path)
    (tmp_path / "a.jsonl").unlink()
    update = indexed.update()
    assert kinds(update) == {"a.jsonl": Kind.REMOVED}
    assert update.summary() == "+0 articles from 0 files, 1 removed"
    assert update.problems == []
    assert indexed.state() == full_state(tmp_path)


def test_a_renamed_file_keeps_its_articles_under_its_new_path(tmp_path):
    (tmp_path / "a.jsonl").write_text(line("a", "First story.") + "nope\n")
    indexed = Indexed(tmp_path)
    key = indexed.ledger.records[str(tmp_path / "a.jsonl")].key
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.jsonl").rename(tmp_path / "sub" / "renamed.jsonl")
    update = indexed.update()
    assert kinds(update) == {"renamed.jsonl": Kind.RENAMED}
    assert (update.articles, update.retired, update.read) == ([], {}, [])
    assert update.ledger.records[str(tmp_path / "sub" / "renamed.jsonl")].key == key
    assert [p.path for p in update.problems] == [str(tmp_path / "sub" / "renamed.jsonl")]
    assert indexed.state() == full_state(tmp_path)


def test_seed_texts_new_changed_removed_and_renamed(tmp_path):
    (tmp_path / "one.txt").write_text(seed("The first story."))
    (tmp_path / "two.txt").write_text(seed("The second story."))
    indexed = Indexed(tmp_path)
    (tmp_path / "three.txt").write_text(seed("The third story."))
    assert kinds(indexed.update()) == {"three.txt": Kind.NEW}
    assert indexed.state() == full_state(tmp_path)
    (tmp_path / "one.txt").write_text(seed("The first story, corrected."))
    assert kinds(indexed.update()) == {"one.txt": Kind.CHANGED}
    assert indexed.get("one").body == "Wire / The first story, corrected."
    (tmp_path / "two.txt").unlink()
    assert kinds(indexed.update()) == {"two.txt": Kind.REMOVED}
    assert indexed.state() == full_state(tmp_path)
    (tmp_path / "moved").mkdir()
    (tmp_path / "three.txt").rename(tmp_path / "moved" / "three.txt")  # same stem: same id
    update = indexed.update()
    assert kinds(update) == {"three.txt": Kind.RENAMED}
    assert update.read == []
    (tmp_path / "moved" / "three.txt").rename(tmp_path / "moved" / "four.txt")  # a new id
    update = indexed.update()
    assert kinds(update) == {"four.txt": Kind.NEW, "three.txt": Kind.REMOVED}
    assert indexed.get("four") is not None and indexed.get("three") is None
    assert indexed.state() == full_state(tmp_path)


def test_a_new_copy_of_a_kept_text_is_an_alias_or_a_twin(tmp_path):
    (tmp_path / "a.jsonl").write_text(line("a", "The same text.", "Headline"))
    indexed = Indexed(tmp_path)
    (tmp_path / "b.jsonl").write_text(
        line("b", "THE SAME  text.", "Headline") + line("c", "The same text.", "Other")
    )
    update = indexed.update()
    assert [a.id for a in update.articles] == ["c"]
    assert update.ledger.aliases() == {"b": "a"}
    assert update.ledger.twins() == {"c": "a"}
    assert [p.line for p in update.problems] == [1]  # "same text as article 'a'; kept once"
    assert indexed.state() == full_state(tmp_path)


def test_a_new_file_ahead_in_order_takes_the_first_copy(tmp_path):
    (tmp_path / "m.jsonl").write_text(line("m", "The same text.", "Headline") + line("x", "X."))
    indexed = Indexed(tmp_path)
    (tmp_path / "a.jsonl").write_text(line("a", "The same text.", "Headline") + line("x", "Y."))
    update = indexed.update()
    assert sorted(update.read) == [str(tmp_path / "a.jsonl"), str(tmp_path / "m.jsonl")]
    assert update.ledger.aliases() == {"m": "a"}
    assert indexed.get("x").body == "Y."
    assert indexed.state() == full_state(tmp_path)


def test_removing_the_first_copy_brings_back_the_one_dropped_for_it(tmp_path):
    (tmp_path / "a.jsonl").write_text(line("a", "The same text.", "Headline") + line("x", "X."))
    (tmp_path / "b.jsonl").write_text(line("b", "The same text.", "Headline") + line("x", "Y."))
    (tmp_path / "c.jsonl").write_text(line("c", "The same text.", "Other"))
    indexed = Indexed(tmp_path)
    assert indexed.get("b") is None
    (tmp_path / "a.jsonl").unlink()
    update = indexed.update()
    assert kinds(update) == {"a.jsonl": Kind.REMOVED}
    assert indexed.get("b") is not None and indexed.get("x").body == "Y."
    assert update.ledger.twins() == {"c": "b"}
    assert indexed.state() == full_state(tmp_path)


def test_nothing_changed_reads_nothing(tmp_path):
    (tmp_path / "a.jsonl").write_text(line("a", "First story."))
    (tmp_path / "b.txt").write_text(seed("A seed story."))
    indexed = Indexed(tmp_path)
    os.utime(tmp_path / "a.jsonl")  # touched, same bytes
    update = indexed.update()
    assert update.unchanged and update.read == []
    assert kinds(update) == {}


# -- the property: any sequence of changes, read incrementally, equals a full load --------

TEXTS = ["Alpha story.", "ALPHA  story.", "Beta story.", "Gamma story.", "Delta.", "Epsilon."]
NAMES = ["a.jsonl", "b.jsonl", "c.csv", "d.txt", "e.jsonl"]


def record(n: int, text: int, title: int) -> dict:
    return {"id": f"id{n}", "title": f"Title {title}", "body": TEXTS[text]}


records = st.builds(record, st.integers(0, 9), st.integers(0, len(TEXTS) - 1), st.integers(0, 1))
operations = st.one_of(
    st.tuples(st.just("append"), st.sampled_from(NAMES), st.lists(records, max_size=3)),
    st.tuples(st.just("append-bad"), st.sampled_from(NAMES), st.just([])),
    st.tuples(st.just("append-half"), st.sampled_from(NAMES), st.lists(records, max_size=2)),
    st.tuples(st.just("rewrite"), st.sampled_from(NAMES), st.lists(records, max_size=3)),
    st.tuples(st.just("remove"), st.sampled_from(NAMES), st.just([])),
    st.tuples(st.just("rename"), st.sampled_from(NAMES), st.just([])),
    st.tuples(st.just("rename"), st.sampled_from(NAMES), st.just([])),
)


def render(name: str, rows: list[dict]) -> str:
    if name.endswith(".csv"):
        body = "".join(f'{r["id"]},2021-06-01,{r["title"]},"{r["body"]}"\r\n' for r in rows)
        return "id,date,title,body\r\n" + body
    if name.endswith(".txt"):
        return seed(rows[0]["body"]) if rows else "not a timestamp\n"
    return "".join(line(r["id"], r["body"], r["title"]) for r in rows)


def apply(root: Path, operation: tuple) -> None:
    kind, name, rows = operation
    path = root / name
    if kind == "remove":
        path.unlink(missing_ok=True)
    elif kind == "rename":  # to "fa.jsonl" and so on: same suffix, another place in order
        if path.exists():
            path.rename(root / f"f{name}")
    elif kind == "rewrite" or not path.exists():
        path.write_text(render(name, rows), newline="")
    elif kind == "append-bad":
        with path.open("a", newline="") as out:
            out.write("oops,\n" if name.endswith(".csv") else "{oops\n")
    elif not name.endswith(".txt"):
        text = render(name, rows)
        text = text.split("\r\n", 1)[1] if name.endswith(".csv") else text
        with path.open("a", newline="") as out:  # "append-half": a writer caught mid-line
            out.write(text[: len(text) // 2 + 1] if kind == "append-half" else text)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.lists(records, max_size=3), min_size=3, max_size=3),
    st.lists(operations, min_size=1, max_size=5),
)
def test_any_changes_read_incrementally_equal_a_full_load(tmp_path_factory, start, steps):
    root = tmp_path_factory.mktemp("archive")
    for name, rows in zip(NAMES, start, strict=False):
        (root / name).write_text(render(name, rows), newline="")
    indexed = Indexed(root)
    for step in steps:
        apply(root, step)
        for kind in set(kinds(indexed.update()).values()):
            event(kind)
        assert indexed.state() == full_state(root), step
    shutil.rmtree(root)
