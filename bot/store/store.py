"""One async storage layer for subscriptions, the delivery log, zones and button states.

SQLite or PostgreSQL, one API.

Every write is a short transaction of its own, so a crash at any point leaves
the tables consistent. The delivery log is the source of truth for "was this
day's digest posted": :meth:`Store.claim` takes the (subscription, local date)
row before anything is sent, and only one caller can ever take it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Delete,
    Executable,
    Integer,
    Row,
    SQLColumnExpression,
    Table,
    Update,
    and_,
    bindparam,
    case,
    delete,
    event,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.store import migrate
from bot.store.models import (
    Claimant,
    Delivery,
    DeliveryStatus,
    KeptState,
    Subscription,
    SubscriptionState,
    ZonePreference,
    ZoneScope,
)

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str) -> AsyncEngine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, and one serialised connection.

    One connection for SQLite avoids "database is locked" between our own
    connections: SQLite has a single writer anyway.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No check of each connection before use (``pool_pre_ping``): on asyncpg that is
        # three round trips per statement, more than the statement. A connection the
        # server dropped fails the one statement that meets it; SQLAlchemy then drops
        # the whole pool, and the caller's retry (a digest's, or the member's next
        # command) finds fresh connections. ``pool_recycle`` retires connections before
        # a proxy's idle timeout would cut them.
        return create_async_engine(url, pool_recycle=RECYCLE_SECONDS)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=120)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._insert = _INSERTS[engine.dialect.name]
        # A digest's own statements (see _DIGEST_STATEMENTS) run alone, outside a
        # transaction: each is atomic by itself, and BEGIN and COMMIT would be two
        # more round trips.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._claim_new_day = (
            self._insert(_DELIVERIES)
            .values(
                subscription_id=bindparam("b_subscription"),
                local_date=bindparam("b_date"),
                status=DeliveryStatus.CLAIMED,
                nonce=bindparam("b_nonce"),
                attempts=1,
                owner=bindparam("b_owner"),
                lease_until=bindparam("b_lease"),
                updated_at=bindparam("b_now"),
            )
            .on_conflict_do_nothing(index_elements=["subscription_id", "local_date"])
            .returning(*_DELIVERIES.c)
        )

    async def _first(self, statement: Executable, params: dict[str, Any]) -> Row | None:
        """The first row of one prebuilt statement run alone (see ``_autocommit``)."""
        async with self._autocommit.connect() as connection:
            return (await connection.execute(statement, params)).first()

    @classmethod
    def open(cls, url: str) -> Store:
        return cls(create_engine(url))

    async def start(self) -> None:
        """Bring the schema up to date; safe to run on every start."""
        await migrate.upgrade(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()

    # --- timezones for /onthisday ---

    async def set_zone(
        self, scope: ZoneScope, owner_id: int, timezone: str | None, now: datetime
    ) -> None:
        """Remember ``timezone`` for a member (USER) or a server (GUILD); None forgets it."""
        async with self._sessions.begin() as session:
            if timezone is None:
                await session.execute(_forget_zone(scope, owner_id))
                return
            values = {"timezone": timezone, "updated_at": now}
            await session.execute(
                self._insert(ZonePreference)
                .values(scope=scope, owner_id=owner_id, **values)
                .on_conflict_do_update(index_elements=["scope", "owner_id"], set_=values)
            )

    async def zones(self, user_id: int, guild_id: int | None) -> dict[ZoneScope, str]:
        """The zones a member and their server chose, by scope (absent when none)."""
        owners = [(ZoneScope.USER, user_id)]
        if guild_id is not None:
            owners.append((ZoneScope.GUILD, guild_id))
        chosen = select(ZonePreference).where(
            tuple_(ZonePreference.scope, ZonePreference.owner_id).in_(owners)
        )
        async with self._sessions() as session:
            return {row.scope: row.timezone for row in await session.scalars(chosen)}

    async def zone_for(self, user_id: int, guild_id: int | None) -> tuple[ZoneScope | None, str]:
        """Whose zone applies and its name: the member's, else the server's, else (None) UTC."""
        chosen = await self.zones(user_id, guild_id)
        for scope in (ZoneScope.USER, ZoneScope.GUILD):
            if scope in chosen:
                return scope, chosen[scope]
        return None, "UTC"

    # --- states behind buttons, too long for a custom id ---

    async def keep_state(self, key: str, state: str, until: datetime) -> None:
        """Keep ``state`` under ``key`` until ``until``; keeping it again moves the expiry on."""
        values = {"state": state.encode("utf-8", "surrogatepass"), "expires_at": until}
        async with self._sessions.begin() as session:
            await session.execute(
                self._insert(KeptState)
                .values(key=key, **values)
                .on_conflict_do_update(index_elements=["key"], set_=values)
            )

    async def kept_state(self, key: str, now: datetime) -> str | None:
        """The state kept under ``key``, unless it has expired by ``now`` (or never was)."""
        kept = select(KeptState.state).where(KeptState.key == key, KeptState.expires_at > now)
        async with self._sessions() as session:
            state = await session.scalar(kept)
        return None if state is None else state.decode("utf-8", "surrogatepass")

    async def forget_expired_states(self, now: datetime) -> int:
        """Delete the kept states expired by ``now``; how many there were."""
        expired = delete(KeptState).where(KeptState.expires_at <= now).returning(KeptState.key)
        async with self._sessions.begin() as session:
            return len((await session.scalars(expired)).all())

    # --- subscriptions ---

    async def subscribe(  # noqa: PLR0913 - one keyword per setting of a subscription
        self,
        guild_id: int,
        channel_id: int,
        *,
        local_time: str,
        timezone: str,
        now: datetime,
        min_items: int = 1,
        max_items: int = 10,
        sources: Sequence[str] = (),
    ) -> Subscription:
        """Create or replace the channel's subscription; re-subscribing also un-pauses it.

        ``schedule_from`` moves to ``now`` only when the time or zone changed:
        due times before it were never promised to anyone.
        """
        values = {
            "local_time": local_time,
            "timezone": timezone,
            "min_items": min_items,
            "max_items": max_items,
            "sources": "\n".join(sources),
            "state": SubscriptionState.ACTIVE,
            "last_error": None,
            "updated_at": now,
        }
        insert = self._insert(Subscription).values(
            guild_id=guild_id, channel_id=channel_id, created_at=now, schedule_from=now, **values
        )
        same_schedule = and_(
            Subscription.local_time == insert.excluded.local_time,
            Subscription.timezone == insert.excluded.timezone,
        )
        schedule_from = case((same_schedule, Subscription.schedule_from), else_=now)
        statement = insert.on_conflict_do_update(
            index_elements=["guild_id", "channel_id"],
            set_={**values, "schedule_from": schedule_from},
        ).returning(Subscription)
        async with self._sessions.begin() as session:
            return (await session.scalars(statement)).one()

    async def unsubscribe(self, guild_id: int, channel_id: int) -> Subscription | None:
        statement = (
            delete(Subscription)
            .where(Subscription.guild_id == guild_id, Subscription.channel_id == channel_id)
            .returning(Subscription)
        )
        async with self._sessions.begin() as session:
            return (await session.scalars(statement)).one_or_none()

    async def forget_guild(self, guild_id: int) -> list[int]:
        """Drop a server's subscriptions, their log and its timezone (Dateline was removed)."""
        statement = (
            delete(Subscription).where(Subscription.guild_id == guild_id).returning(Subscription.id)
        )
        async with self._sessions.begin() as session:
            await session.execute(_forget_zone(ZoneScope.GUILD, guild_id))
            return list(await session.scalars(statement))

    async def subscription(self, subscription_id: int) -> Subscription | None:
        row = await self._first(_SUBSCRIPTION, {"b_id": subscription_id})
        return None if row is None else Subscription(**row._mapping)

    async def find(self, guild_id: int, channel_id: int) -> Subscription | None:
        statement = select(Subscription).where(
            Subscription.guild_id == guild_id, Subscription.channel_id == channel_id
        )
        async with self._sessions() as session:
            return (await session.scalars(statement)).one_or_none()

    async def subscriptions(
        self,
        *,
        guild_id: int | None = None,
        active_only: bool = False,
        shards: Shards | None = None,
    ) -> list[Subscription]:
        """Subscriptions in id order; ``shards`` keeps those of guilds on these shards only."""
        statement = select(Subscription).order_by(Subscription.id)
        if shards is not None:
            statement = statement.where(on_shards(Subscription.guild_id, shards))
        if guild_id is not None:
            statement = statement.where(Subscription.guild_id == guild_id)
        if active_only:
            statement = statement.where(Subscription.state == SubscriptionState.ACTIVE)
        async with self._sessions() as session:
            return list(await session.scalars(statement))

    async def pause(self, subscription_id: int, reason: str, now: datetime) -> None:
        await self._update_subscription(
            subscription_id, state=SubscriptionState.PAUSED, last_error=reason, now=now
        )

    async def resume(self, subscription_id: int, now: datetime) -> None:
        await self._update_subscription(
            subscription_id, state=SubscriptionState.ACTIVE, last_error=None, now=now
        )

    async def note_error(self, subscription_id: int, reason: str | None, now: datetime) -> None:
        """Show a (transient) problem in ``/digest list`` without pausing."""
        await self._update_subscription(subscription_id, last_error=reason, now=now)

    async def _update_subscription(
        self, subscription_id: int, *, now: datetime, **values: Any
    ) -> None:
        statement = (
            update(Subscription)
            .where(Subscription.id == subscription_id)
            .values(updated_at=now, **values)
        )
        async with self._sessions.begin() as session:
            await session.execute(statement)

    # --- deliveries ---

    async def claim(
        self,
        subscription_id: int,
        local_date: date,
        nonce: str,
        now: datetime,
        claimant: Claimant,
    ) -> Delivery | None:
        """Take the day's delivery row for sending; None when it is sent, skipped or taken.

        A new day inserts a CLAIMED row owned by ``claimant`` with a lease; a
        FAILED one (retryable) is taken again. The insert-or-nothing and the
        compare-and-set are single statements, so two callers, in one process
        or two, can never both win.
        """
        params = {
            "b_subscription": subscription_id,
            "b_date": local_date,
            "b_nonce": nonce,
            "b_owner": claimant.owner,
            "b_lease": now + claimant.lease,
            "b_now": now,
        }
        row = await self._first(self._claim_new_day, params) or await self._first(
            _RETAKE_FAILED, params
        )
        return None if row is None else Delivery(**row._mapping)

    def _new_day(
        self, subscription_id: int, local_date: date, **values: Any
    ) -> sqlite.Insert | postgresql.Insert:
        """Insert the day's row unless it has one: the statement the exactly-once rests on."""
        return (
            self._insert(Delivery)
            .values(subscription_id=subscription_id, local_date=local_date, **values)
            .on_conflict_do_nothing(index_elements=["subscription_id", "local_date"])
        )

    async def renew(self, delivery_id: int, claimant: Claimant, now: datetime) -> bool:
        """Extend our lease on a claim we still hold; False when it is no longer ours."""
        statement = (
            update(Delivery)
            .where(
                Delivery.id == delivery_id,
                Delivery.status == DeliveryStatus.CLAIMED,
                Delivery.owner == claimant.owner,
            )
            .values(lease_until=now + claimant.lease)
        )
        async with self._sessions.begin() as session:
            return await _changed_one(session, statement)

    async def expired_claims(self, now: datetime, shards: Shards | None = None) -> list[Delivery]:
        """CLAIMED rows whose owner stopped renewing them (it died, or hangs)."""
        statement = (
            select(Delivery)
            .where(Delivery.status == DeliveryStatus.CLAIMED, _lease_expired(now))
            .order_by(Delivery.id)
        )
        if shards is not None:
            statement = statement.join(Subscription).where(on_shards(Subscription.guild_id, shards))
        async with self._sessions() as session:
            return list(await session.scalars(statement))

    async def take_over(
        self, delivery_id: int, claimant: Claimant, now: datetime
    ) -> Delivery | None:
        """Become the owner of an expired claim, counting one more attempt; None if it lives."""
        statement = (
            update(Delivery)
            .where(
                Delivery.id == delivery_id,
                Delivery.status == DeliveryStatus.CLAIMED,
                _lease_expired(now),
            )
            .values(attempts=Delivery.attempts + 1, **_lease(claimant, now))
            .returning(Delivery)
        )
        async with self._sessions.begin() as session:
            return (await session.scalars(statement)).one_or_none()

    async def mark_sent(
        self, delivery_id: int, message_id: int, now: datetime, *, owner: str
    ) -> bool:
        """CLAIMED by ``owner`` -> SENT; False (nothing written) if the claim is not ours."""
        params = {"b_id": delivery_id, "b_owner": owner, "b_message": message_id, "b_now": now}
        return await self._first(_MARK_SENT, params) is not None

    async def mark(
        self,
        delivery_id: int,
        status: DeliveryStatus,
        now: datetime,
        error: str | None = None,
        *,
        expected: DeliveryStatus,
        owner: str | None = None,
        message_id: int | None = None,
    ) -> bool:
        """Compare-and-set: move the row from ``expected`` (held by ``owner``) to ``status``.

        False when someone else got there first; their outcome stands.
        """
        statement = update(Delivery).where(Delivery.id == delivery_id, Delivery.status == expected)
        if owner is not None:
            statement = statement.where(Delivery.owner == owner)
        values: dict[str, Any] = {"status": status, "last_error": error, "updated_at": now}
        if message_id is not None:
            values["message_id"] = message_id
        if status is not DeliveryStatus.CLAIMED:
            values["lease_until"] = None
        async with self._sessions.begin() as session:
            return await _changed_one(session, statement.values(**values))

    async def record(
        self,
        subscription_id: int,
        local_date: date,
        status: DeliveryStatus,
        *,
        nonce: str,
        now: datetime,
        reason: str | None = None,
    ) -> bool:
        """Log a day that will not be posted (SKIPPED, MISSED) unless the day already has a row."""
        statement = self._new_day(
            subscription_id,
            local_date,
            status=status,
            nonce=nonce,
            attempts=0,
            last_error=reason,
            updated_at=now,
        ).returning(Delivery.id)
        async with self._sessions.begin() as session:
            return (await session.scalars(statement)).one_or_none() is not None

    async def delivery(self, subscription_id: int, local_date: date) -> Delivery | None:
        statement = select(Delivery).where(
            Delivery.subscription_id == subscription_id, Delivery.local_date == local_date
        )
        async with self._sessions() as session:
            return (await session.scalars(statement)).one_or_none()

    async def deliveries(self, subscription_id: int) -> list[Delivery]:
        statement = (
            select(Delivery)
            .where(Delivery.subscription_id == subscription_id)
            .order_by(Delivery.local_date)
        )
        async with self._sessions() as session:
            return list(await session.scalars(statement))

    async def deliveries_since(
        self, day: date, subscription_id: int | None = None
    ) -> dict[tuple[int, date], Delivery]:
        """Delivery rows from ``day`` on (of one subscription, or all), by (subscription, date)."""
        statement = select(Delivery).where(Delivery.local_date >= day)
        if subscription_id is not None:
            statement = statement.where(Delivery.subscription_id == subscription_id)
        async with self._sessions() as session:
            return {(d.subscription_id, d.local_date): d for d in await session.scalars(statement)}

    async def latest_deliveries(self, subscription_ids: Sequence[int]) -> dict[int, Delivery]:
        """Each subscription's most recent delivery row, for ``/digest list``."""
        if not subscription_ids:
            return {}
        latest = (
            select(Delivery.subscription_id, func.max(Delivery.local_date).label("local_date"))
            .where(Delivery.subscription_id.in_(subscription_ids))
            .group_by(Delivery.subscription_id)
            .subquery()
        )
        statement = select(Delivery).join(
            latest,
            (Delivery.subscription_id == latest.c.subscription_id)
            & (Delivery.local_date == latest.c.local_date),
        )
        async with self._sessions() as session:
            return {d.subscription_id: d for d in await session.scalars(statement)}


Shards = tuple[int, Sequence[int]]  # (shard_count, the shards whose guilds are wanted)

RECYCLE_SECONDS = 1800  # a pooled PostgreSQL connection's longest life

# _DIGEST_STATEMENTS: what every digest post runs (its subscription read afresh, the
# claim, the outcome), built once with bound parameters on the tables themselves.
# Built per call through the ORM, they took about 9 ms of CPU per post at a 5,000-digest
# fan-out, several times the database's own time; a cluster's posts per second are
# bounded by it on a small machine.
_DELIVERIES = cast(Table, Delivery.__table__)
_SUBSCRIPTIONS = cast(Table, Subscription.__table__)
_SUBSCRIPTION = select(_SUBSCRIPTIONS).where(_SUBSCRIPTIONS.c.id == bindparam("b_id"))
_RETAKE_FAILED = (  # a FAILED (retryable) day is taken again, one more attempt
    update(_DELIVERIES)
    .where(
        _DELIVERIES.c.subscription_id == bindparam("b_subscription"),
        _DELIVERIES.c.local_date == bindparam("b_date"),
        _DELIVERIES.c.status == DeliveryStatus.FAILED,
    )
    .values(
        status=DeliveryStatus.CLAIMED,
        attempts=_DELIVERIES.c.attempts + 1,
        owner=bindparam("b_owner"),
        lease_until=bindparam("b_lease"),
        updated_at=bindparam("b_now"),
    )
    .returning(*_DELIVERIES.c)
)
_MARK_SENT = (  # compare-and-set: only a claim still ours
    update(_DELIVERIES)
    .where(
        _DELIVERIES.c.id == bindparam("b_id"),
        _DELIVERIES.c.status == DeliveryStatus.CLAIMED,
        _DELIVERIES.c.owner == bindparam("b_owner"),
    )
    .values(
        status=DeliveryStatus.SENT,
        message_id=bindparam("b_message"),
        last_error=None,
        updated_at=bindparam("b_now"),
        lease_until=None,
    )
    .returning(_DELIVERIES.c.id)
)


async def _changed_one(session: AsyncSession, statement: Update) -> bool:
    """Whether a compare-and-set on one delivery row found it as expected and changed it."""
    return (await session.execute(statement.returning(Delivery.id))).first() is not None


def on_shards(guild_id: SQLColumnExpression[int], shards: Shards) -> ColumnElement[bool]:
    """Discord's guild-to-shard rule, ``(guild_id >> 22) % shard_count``, in SQL."""
    count, ids = shards
    shift = literal(22, Integer)  # PostgreSQL has bigint >> integer only
    return (guild_id.op(">>")(shift) % count).in_(list(ids))


def _lease(claimant: Claimant, now: datetime) -> dict[str, Any]:
    return {"owner": claimant.owner, "lease_until": now + claimant.lease, "updated_at": now}


def _lease_expired(now: datetime) -> ColumnElement[bool]:
    # A row from before leases existed has none: its process is long gone.
    return or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)


def _forget_zone(scope: ZoneScope, owner_id: int) -> Delete:
    return delete(ZonePreference).where(
        ZonePreference.scope == scope, ZonePreference.owner_id == owner_id
    )
