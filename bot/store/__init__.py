"""Subscriptions and the delivery log, behind one async layer (SQLite or PostgreSQL)."""

from bot.store.models import Delivery, Subscription
from bot.store.store import Store

__all__ = ["Delivery", "Store", "Subscription"]
