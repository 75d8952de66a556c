"""Known-item queries typed the way people ask in chat, generated from the corpus.

The dev set's queries are keyword lists. People in a channel wrap a subject in
words of asking ("could you dig up what they wrote on ..."), add the year they
remember, and spell names by ear. Each query here picks an article and its
subject (its two or three rarest headline words, kept only when at most
``MAX_FITS`` headlines hold them all, so the subject alone names the story),
then phrases it one of four ways:

- ``request``: wrapped in a request built from interchangeable parts;
- ``question``: wrapped in a question;
- ``year``: the subject and the year it was published, as remembered;
- ``name``: a name of the headline respelt by sound (ph/f, c/k, doubled
  letters, -son/-sen ...), half the time inside a request or question.

Each record carries ``subject`` (the words meant, the name as spelt in the
archive) so the bench can compute the set's ceiling. The parts below were
written once, not tuned against any engine.

    python bench/natural_queries.py --out /tmp/natural.jsonl    # 600 queries, seed 14
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path

from wordfreq import zipf_frequency

from bot.archive import Article, load_archive
from bot.archive.text import tokenize

KINDS = ("request", "question", "year", "name")
MAX_FITS = 3  # headlines that may hold all the subject words
MIN_NAME_LENGTH = 5
MAX_NAME_ZIPF = 4.0  # "Street" and "China" are capitalised but everyday words

OPENERS = ("", "", "", "hey", "hi", "ok so", "yo", "hello", "quick one:", "morning all,")
REQUESTS = (
    "can you find",
    "could you dig up",
    "please find",
    "show me",
    "pull up",
    "i need",
    "find me",
    "look up",
    "get me",
    "do you have",
    "search for",
    "i'm looking for",
    "any chance you could grab",
    "would you fetch",
    "bring up",
)
OBJECTS = (
    "",
    "articles",
    "the article",
    "stories",
    "something",
    "anything",
    "the story",
    "news",
    "coverage",
    "what they wrote",
    "the piece",
    "reports",
    "that thing",
)
PREPOSITIONS = ("on", "about", "regarding", "covering", "re", "for", "to do with")
CLOSERS = ("", "", "", "please", "thanks", "?", "pls", "thx", "if you have it", "cheers")
QUESTIONS = (
    "what happened with {}?",
    "what's the latest on {}",
    "did they write anything about {}?",
    "any news on {}?",
    "do we have anything on {}",
    "what was that story about {}",
    "is there an article about {}?",
    "who reported on {}?",
    "remember the {} story?",
    "what did reuters say about {}",
    "how did {} turn out?",
    "where can i read about {}",
    "anything about {}?",
    "when did {} happen?",
    "whatever happened to {}?",
    "was there a piece on {}?",
)
YEARS = ("{} {}", "{} in {}", "{} back in {}", "that {} story from {}", "{} ({})", "{} around {}")
# Respellings by ear: each (pattern, replacement) is one way a name is heard.
SOUNDS = (
    ("ph", "f"),
    ("f", "ph"),
    ("ck", "k"),
    ("c(?=[aou])", "k"),
    ("k", "c"),
    ("z", "s"),
    ("(?<=[aeiou])s(?=[aeiouy])", "z"),
    ("([bdfglmnprst])\\1", "\\1"),
    ("(?<=[aeiou])([lnrst])(?=[aeiou])", "\\1\\1"),
    ("y$", "ie"),
    ("ey$", "y"),
    ("i(?=[^aeiou]*$)", "y"),
    ("el$", "le"),
    ("son$", "sen"),
    ("sen$", "son"),
    ("ou", "oo"),
    ("ee", "ea"),
    ("ea", "ee"),
    ("ch", "sh"),
    ("sh", "ch"),
    ("x", "ks"),
    ("et$", "ay"),
    ("eau", "o"),
    ("th", "t"),
    ("gh", ""),
    ("qu", "kw"),
    ("ei", "ie"),
    ("ie", "ei"),
    ("er$", "ar"),
    ("ai", "ay"),
    ("oi", "oy"),
    ("tion", "shun"),
    ("v", "w"),
    ("w", "v"),
    ("j", "g"),
    ("oe", "o"),
    ("au", "o"),
)


def respelt(name: str, rng: random.Random) -> str | None:
    """``name`` respelt by one or two sound rules; None when no rule applies."""
    rules = [rule for rule in SOUNDS if re.search(rule[0], name)]
    if not rules:
        return None
    word = name
    for pattern, replacement in rng.sample(rules, min(len(rules), rng.choice((1, 1, 2)))):
        word = re.sub(pattern, replacement, word, count=1)
    return word if word != name else None


def request(subject: str, rng: random.Random) -> str:
    parts = [rng.choice(OPENERS), rng.choice(REQUESTS)]
    obj = rng.choice(OBJECTS)
    if obj:
        parts += [obj, rng.choice(PREPOSITIONS)]
    parts += [subject, rng.choice(CLOSERS)]
    return " ".join(p for p in parts if p).replace(" ?", "?")


def question(subject: str, rng: random.Random) -> str:
    opener = rng.choice(OPENERS)
    return " ".join(p for p in (opener, rng.choice(QUESTIONS).format(subject)) if p)


class Headlines:
    """Which articles' headlines hold a word, and how rare each word is."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self.holding: dict[str, set[int]] = defaultdict(set)
        documents: dict[str, int] = defaultdict(int)
        for n, article in enumerate(articles):
            for word in set(tokenize(article.title)):
                self.holding[word].add(n)
        for article in articles:
            for word in set(tokenize(article.title)) | set(tokenize(article.body[:2000])):
                documents[word] += 1
        self.documents = documents

    def fits(self, words: Sequence[str]) -> int:
        return len(set.intersection(*(self.holding[w] for w in words)))

    def subject(self, title: str, rng: random.Random, keep: str | None = None) -> list[str]:
        words = [w for w in dict.fromkeys(tokenize(title)) if len(w) >= 3 and not w.isdigit()]
        rarest = sorted(words, key=lambda w: self.documents[w])
        size = rng.choice((2, 2, 3))
        chosen = rarest[:size]
        if keep is not None and keep not in chosen:
            chosen = [keep, *rarest[: size - 1]]
        return [w for w in words if w in chosen]  # in headline order


def names_in(title: str) -> list[str]:
    """Capitalised words past a headline's first that everyday talk rarely uses: names."""
    words = re.findall(r"[A-Za-z]+", title)
    return [
        w.lower()
        for w in words[1:]
        if w[0].isupper() and not w.isupper() and zipf_frequency(w, "en") < MAX_NAME_ZIPF
    ]


def generate(articles: Sequence[Article], count: int, seed: int = 14) -> list[dict]:
    rng = random.Random(seed)
    headlines = Headlines(articles)
    queries: list[dict] = []
    tries = 0
    while len(queries) < count and tries < count * 50:
        tries += 1
        kind = KINDS[len(queries) % len(KINDS)]
        target = articles[rng.randrange(len(articles))]
        name = None
        if kind == "name":
            names = [n for n in names_in(target.title) if len(n) >= MIN_NAME_LENGTH]
            if not names:
                continue
            name = rng.choice(names)
        subject = headlines.subject(target.title, rng, keep=name)
        if len(subject) < 2 or headlines.fits(subject) > MAX_FITS:
            continue
        text = " ".join(subject)
        if kind == "request":
            query = request(text, rng)
        elif kind == "question":
            query = question(text, rng)
        elif kind == "year":
            query = rng.choice(YEARS).format(text, target.calendar_date.year)
        else:
            heard = respelt(name, rng) if name else None
            if heard is None:
                continue
            text = " ".join(heard if w == name else w for w in subject)
            query = rng.choice((lambda s, r: s, request, question))(text, rng)
        queries.append(
            {
                "qid": f"n{len(queries)}",
                "kind": kind,
                "query": query,
                "target": target.id,
                "subject": subject,
            }
        )
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve().parent
    default = here.parent.parent / "shared" / "corpus" / "reuters-2006-2013.jsonl"
    parser.add_argument("--corpus", type=Path, default=default)
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    report = load_archive([args.corpus], UTC, progress=False)
    queries = generate(report.articles, args.count, args.seed)
    args.out.write_text("".join(json.dumps(q) + "\n" for q in queries))


if __name__ == "__main__":
    main()
