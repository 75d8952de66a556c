"""Typed settings, read once at start-up from TOML with environment overrides.

Precedence: built-in defaults < TOML file < ``DATELINE_<SECTION>__<KEY>``
environment variables < command-line flags (applied by the CLI). The bot token
is deliberately *not* a setting: it comes from ``DISCORD_TOKEN`` or a file named
by ``discord.token_file`` so it never sits in a config file or a log line.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError
from bot.observe.address import parse_listen
from bot.paths import anchor_to, data_defaults

DEFAULT_CONFIG = Path("config.toml")
ENV_PREFIX = "DATELINE_"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _duration(low: timedelta, high: timedelta, wording: str) -> AfterValidator:
    """A duration the bot can run with: ``wording`` says the range, as a user would."""

    def check(value: timedelta) -> timedelta:
        if not low <= value <= high:
            raise ValueError(f"expected a duration from {wording}")
        return value

    return AfterValidator(check)


# Discord ids are positive 64-bit numbers; anything else names no server or user.
Snowflake = Annotated[int, Field(ge=1, le=2**64 - 1)]


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("expected an IANA timezone such as UTC or Europe/Berlin") from exc
    return value


class ArchiveSettings(_Section):
    paths: list[str] = Field(default_factory=lambda: ["seeds"])
    timezone: str = "UTC"
    # Off unless set: how long the archive must stay unchanged before a running bot
    # reloads it by itself (bot/archive/watch.py says why a quiet period, not a poll).
    watch: (
        Annotated[
            timedelta, _duration(timedelta(seconds=1), timedelta(hours=1), "1 second to 1 hour")
        ]
        | None
    ) = None

    _zone = field_validator("timezone")(_check_zone)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SearchSettings(_Section):
    cache_dir: str = "data/cache"  # load_settings puts it in DATELINE_DATA_DIR
    default_limit: int = Field(default=10, ge=1, le=100)
    # Segment merges (bot/search/merge.py): neighbours of one size tier merged
    # once this many share it; a segment rewritten once this share is deleted.
    merge_factor: int = Field(default=10, ge=2, le=100)
    merge_deleted_share: float = Field(default=0.25, gt=0, le=1)


class DiscordSettings(_Section):
    token_file: str | None = None
    api_base: str | None = None
    dev_guild_id: Snowflake | None = None
    owner_ids: list[Snowflake] = Field(default_factory=list)


ASYNC_DRIVERS = {"sqlite": {"aiosqlite"}, "postgresql": {"asyncpg", "psycopg"}}


class StoreSettings(_Section):
    url: str = "sqlite+aiosqlite:///data/dateline.sqlite3"  # see load_settings: DATA_DIR
    password_file: str | None = None

    @field_validator("url")
    @classmethod
    def _async_url(cls, value: str) -> str:
        expected = (
            "expected an async database URL such as sqlite+aiosqlite:///data/dateline.sqlite3 "
            "or postgresql+asyncpg://user@host/db"
        )
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(expected) from None
        if "+" not in url.drivername or url.get_driver_name() not in ASYNC_DRIVERS.get(
            url.get_backend_name(), ()
        ):
            raise ValueError(expected)
        return value

    def connect_url(self) -> str:
        """``url`` with the password read from ``password_file`` (a secret), if one is named."""
        if not self.password_file:
            return self.url
        try:
            password = Path(self.password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"store.password_file: cannot read {self.password_file}: {exc.strerror}"
            ) from None
        url = make_url(self.url).set(password=password)
        return url.render_as_string(hide_password=False)


class DigestSettings(_Section):
    # A digest is for one local date: catching up more than a day would post a past
    # date's; the scheduler counts its grace in whole seconds and refuses 0.
    catch_up: Annotated[timedelta, _duration(timedelta(0), timedelta(days=1), "0 to 1 day")] = (
        timedelta(hours=6)
    )
    empty: Literal["skip", "nearest"] = "skip"
    misfire_grace: Annotated[
        timedelta, _duration(timedelta(seconds=1), timedelta(days=1), "1 second to 1 day")
    ] = timedelta(minutes=5)
    sends_per_second: float = Field(default=48, gt=0, le=48)


MAX_SHARDS = 100_000  # far beyond any real bot; keeps a typo such as 1e9 out


def _process_index(value: object) -> object:
    """A process index from 0, or "hostname": read it from the host name's ordinal."""
    if value is None or value == "hostname":
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ValueError('expected a whole number from 0, or "hostname" (dateline-3 -> 3)')


_Heartbeat = Annotated[
    timedelta, _duration(timedelta(seconds=5), timedelta(hours=1), "5 seconds to 1 hour")
]


class ClusterSettings(_Section):
    """Which shards this process runs; the whole cluster must agree on ``shard_count``.

    Checked for consistency here; the slice itself is worked out by
    :func:`bot.cluster.topology.resolve`, which also reads the host name.
    """

    shard_count: int | None = Field(default=None, ge=1, le=MAX_SHARDS)
    shard_ids: list[Annotated[int, Field(ge=0)]] | None = Field(default=None, min_length=1)
    index: Annotated[int | Literal["hostname"] | None, BeforeValidator(_process_index)] = None
    size: int | None = Field(default=None, ge=1, le=MAX_SHARDS)
    lease: _Heartbeat = timedelta(seconds=60)
    reconcile_every: _Heartbeat = timedelta(minutes=3)

    @model_validator(mode="after")
    def _consistent(self) -> ClusterSettings:
        partial = self.shard_ids is not None or self.index is not None or self.size is not None
        if partial and self.shard_count is None:
            raise ValueError(
                "shard_count: required when this process runs only some shards "
                "(every process of a cluster must agree on it)"
            )
        if self.shard_ids is not None and (self.index is not None or self.size is not None):
            raise ValueError("shard_ids: give either shard_ids or index and size, not both")
        if (self.index is None) != (self.size is None):
            raise ValueError("index: give index and size together (process index of size)")
        count = self.shard_count or 0
        if self.shard_ids is not None:
            outside = [s for s in self.shard_ids if s >= count]
            if outside:
                raise ValueError(f"shard_ids: {outside[0]} is not below shard_count {count}")
            if len(set(self.shard_ids)) != len(self.shard_ids):
                raise ValueError("shard_ids: a shard is listed twice")
        if self.size is not None:
            if self.size > count:
                raise ValueError(f"size: {self.size} processes for {count} shards leaves one idle")
            if isinstance(self.index, int) and self.index >= self.size:
                raise ValueError(f"index: {self.index} is not below size {self.size}")
        return self


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class ObserveSettings(_Section):
    listen: str = "127.0.0.1:9108"

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        if value:
            parse_listen(value)
        return value


class Settings(_Section):
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    observe: ObserveSettings = Field(default_factory=ObserveSettings)
    source_path: str = Field(default="(defaults)", exclude=True)


def _env_overrides(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """``DATELINE_ARCHIVE__TIMEZONE=Asia/Baghdad`` -> {"archive": {"timezone": ...}}.

    Values are parsed as JSON when they parse (lists, numbers), else kept as text.
    """
    overrides: dict[str, dict[str, Any]] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        try:
            value: Any = json.loads(raw)
        except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
            value = raw
        overrides.setdefault(section, {})[key] = value
    return overrides


_FRIENDLY = {
    "extra_forbidden": "unknown key (see config.example.toml)",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "string_type": "expected text",
    "list_type": "expected a list",
    "bool_parsing": "expected true or false",
    "time_delta_parsing": "expected a duration in seconds or ISO 8601 such as PT6H",
    "model_type": "expected a table of settings",
}


def _describe(err: ValidationError, source: str, env_keys: Mapping[str, str]) -> str:
    first = err.errors()[0]
    key = ".".join(str(part) for part in first["loc"] if not isinstance(part, int))
    message = first["msg"].removeprefix("Value error, ").replace("Input should be ", "expected ")
    message = _FRIENDLY.get(first["type"], message)
    if first["type"] in {"greater_than_equal", "less_than_equal"}:
        message = message.replace("expected ", "expected a number ")
    section_rule = re.match(r"(\w+): ", message)
    if section_rule and "." not in key and first["type"] == "value_error":
        # A rule across a section's keys names the key it is about first.
        key, message = f"{key}.{section_rule[1]}", message[section_rule.end() :]
    where = env_keys.get(key, source)
    return f"{where}: {key or '(top level)'}: {message}"


def _read_toml(path: Path, source: str) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{source}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{source}:{line}: not UTF-8 text (save it as UTF-8)") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{source}: not valid TOML: nested too deeply") from None


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read settings; raise :class:`ConfigError` with one precise line on any problem.

    ``path=None`` reads ``./config.toml`` when it exists, else uses defaults.
    """
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    source = "(defaults)"
    if path is None and DEFAULT_CONFIG.is_file():
        path = DEFAULT_CONFIG
    if path is not None:
        source = str(path)
        data = _read_toml(Path(path), source)
        anchor_to(data, Path(path).absolute().parent)
    for section, values in data_defaults(environ).items():
        if isinstance(data.get(section, {}), dict):
            for key, value in values.items():
                data.setdefault(section, {}).setdefault(key, value)
    env_keys: dict[str, str] = {}
    for section, values in _env_overrides(environ).items():
        if isinstance(data.get(section, {}), dict):
            data.setdefault(section, {}).update(values)
            for key in values:
                env_keys[f"{section}.{key}"] = f"{ENV_PREFIX}{section.upper()}__{key.upper()}"
    try:
        return Settings.model_validate({**data, "source_path": source})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source, env_keys)) from None
