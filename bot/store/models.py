"""Tables: who wants a digest where and when, and every attempt to deliver one.

The unique (subscription, local date) pair is what makes delivery exactly-once:
a second firing of the same day (a DST fall-back, a restart) finds the row taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import Enum as SQLEnum
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class SubscriptionState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # by a permanent Discord error, until /digest resume


class DeliveryStatus(StrEnum):
    """Where one day's digest for one subscription stands."""

    # Being sent by ``owner`` while its lease runs; a crash leaves it here, and once the
    # lease expires repair resends it with the same nonce.
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"  # retryable, until the local day ends
    SKIPPED = "skipped"  # nothing to post
    MISSED = "missed"  # too late to post when Dateline came back


class ZoneScope(StrEnum):
    """Whose zone a :class:`ZonePreference` is."""

    USER = "user"
    GUILD = "guild"


def _stored(enum: type[StrEnum], length: int) -> SQLEnum:
    """The enum's values as plain VARCHAR(length), as the migrations created the column.

    No database enum type and no constraint: a new member needs no migration.
    """
    return SQLEnum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in and out on every backend (SQLite would otherwise hand back naive times)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("guild_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    local_time: Mapped[str] = mapped_column(String(5))  # HH:MM, 24 h
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name
    min_items: Mapped[int] = mapped_column(Integer, default=1)
    max_items: Mapped[int] = mapped_column(Integer, default=10)
    sources: Mapped[str] = mapped_column(Text, default="")  # one per line; empty = all
    state: Mapped[SubscriptionState] = mapped_column(
        _stored(SubscriptionState, 16), default=SubscriptionState.ACTIVE
    )
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the current time and zone were set: due times before it belong to an older
    # schedule (or none) and are never posted, wherever a stale job or catch-up finds them.
    schedule_from: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def hour(self) -> int:
        return int(self.local_time[:2])

    @property
    def minute(self) -> int:
        return int(self.local_time[3:])

    @property
    def source_list(self) -> list[str]:
        return [s for s in self.sources.split("\n") if s]

    @property
    def active(self) -> bool:
        return self.state is SubscriptionState.ACTIVE


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "local_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[DeliveryStatus] = mapped_column(_stored(DeliveryStatus, 16), index=True)
    nonce: Mapped[str] = mapped_column(String(25))
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    owner: Mapped[str | None] = mapped_column(String(100), nullable=True)  # process holding it
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


@dataclass(frozen=True)
class Claimant:
    """A process taking claims: its identity and how long a claim stays its own unrenewed."""

    owner: str
    lease: timedelta


class ZonePreference(Base):
    """Whose "today" /onthisday means: a member's own zone, else their server's."""

    __tablename__ = "zone_preferences"

    scope: Mapped[ZoneScope] = mapped_column(_stored(ZoneScope, 8), primary_key=True)
    owner_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KeptState(Base):
    """A state behind a button too long for its custom id, under the key the id holds.

    Bytes (UTF-8): a state is any text, and PostgreSQL's text cannot hold NUL.
    """

    __tablename__ = "kept_states"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
