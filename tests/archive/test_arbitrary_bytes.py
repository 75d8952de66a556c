"""The loader on arbitrary bytes: it never raises, and never loses a good record among them."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.archive import load_archive

GOOD = {"id": "well-formed", "date": "2020-03-26T12:00:00", "body": "Wire / A good record."}
junk = st.binary(max_size=400) | st.lists(
    st.sampled_from([b"{", b"}", b'"', b"\\ud800", b"\n", b"\r", b"\x00", b"\xef\xbb\xbf", b","])
    | st.just(b"[" * 1100)  # deeper than any JSON parser goes
    | st.binary(max_size=8),
    max_size=60,
).map(b"".join)


def load(files: dict[str, bytes]):
    with tempfile.TemporaryDirectory() as folder:
        for name, content in files.items():
            (Path(folder) / name).write_bytes(content)
        return load_archive([folder])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(junk, junk, st.booleans())
def test_a_good_jsonl_record_among_any_bytes_loads(before, after, crlf):
    end = b"\r\n" if crlf else b"\n"
    content = before + end + json.dumps(GOOD).encode() + end + after
    report = load({"export.jsonl": content})
    assert "well-formed" in {a.id for a in report.articles}
    for problem in report.problems:
        assert "\n" not in str(problem)


@settings(max_examples=150, deadline=None)
@given(junk, st.sampled_from(["a.txt", "a.csv", "a.jsonl", "a.ndjson"]))
def test_any_bytes_in_any_format_load_or_are_reported_never_raise(content, name):
    report = load({name: content, "good.txt": b"2020-03-26 12:00:00\n\nWire / Fine.\n"})
    assert "good" in {a.id for a in report.articles}
    for problem in report.problems:
        assert str(problem).startswith(str(Path(problem.path)))
