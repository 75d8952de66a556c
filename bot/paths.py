"""Where Dateline keeps its files, and how a path in a config file is read.

A path written in a config file means the same wherever Dateline is started
from: it is read relative to the file's folder (``/etc/dateline/config.toml``
naming ``archive`` means ``/etc/dateline/archive``). Paths from the command
line and the environment are relative to the working directory, as a shell
user expects. What Dateline writes (the SQLite store and the index cache)
goes in one data directory, ``DATELINE_DATA_DIR`` (default ``./data``), so a
container or a service needs exactly one writable place.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DATA_DIR_ENV = "DATELINE_DATA_DIR"
DEFAULT_DATA_DIR = "data"
STORE_FILE = "dateline.sqlite3"
CACHE_FOLDER = "cache"


def data_dir(environ: Mapping[str, str]) -> Path:
    return Path(environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).expanduser().absolute()


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def data_defaults(environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """The store and the cache, inside the data directory, unless settings name others."""
    folder = data_dir(environ)
    return {
        "store": {"url": sqlite_url(folder / STORE_FILE)},
        "search": {"cache_dir": str(folder / CACHE_FOLDER)},
    }


def _anchored(value: Any, base: Path) -> Any:
    if not isinstance(value, str) or not value:
        return value  # a wrong type is the validator's to report
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else base / path)


def _anchored_url(value: Any, base: Path) -> Any:
    """A SQLite file named relatively in a store URL is relative to the config file too."""
    if not isinstance(value, str):
        return value
    try:
        url = make_url(value)
    except ArgumentError:
        return value
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return value
    return url.set(database=_anchored(database, base)).render_as_string(hide_password=False)


def anchor_to(data: dict[str, Any], base: Path) -> None:
    """Read the path settings of a config file's ``data`` relative to ``base``, in place."""
    sections = {name: data.get(name) for name in ("archive", "search", "discord", "store")}
    archive, search, discord, store = (s if isinstance(s, dict) else {} for s in sections.values())
    if isinstance(archive.get("paths"), list):
        archive["paths"] = [_anchored(p, base) for p in archive["paths"]]
    if "cache_dir" in search:
        search["cache_dir"] = _anchored(search["cache_dir"], base)
    if "token_file" in discord:
        discord["token_file"] = _anchored(discord["token_file"], base)
    if "password_file" in store:
        store["password_file"] = _anchored(store["password_file"], base)
    if "url" in store:
        store["url"] = _anchored_url(store["url"], base)
