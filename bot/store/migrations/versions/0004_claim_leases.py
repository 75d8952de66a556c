"""Claims name their owner and a lease; subscriptions remember when their schedule began.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch "copy and move" on SQLite would drop the subscriptions
    # table, and with it (ON DELETE CASCADE) every delivery row. Hence the constant
    # default, which SQLite needs for a NOT NULL column added to a filled table.
    op.add_column("deliveries", sa.Column("owner", sa.String(100), nullable=True))
    op.add_column("deliveries", sa.Column("lease_until", sa.DateTime(timezone=True)))
    op.add_column(
        "subscriptions",
        sa.Column(
            "schedule_from",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default="1970-01-01 00:00:00+00:00",
        ),
    )
    op.execute("UPDATE subscriptions SET schedule_from = created_at")


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("schedule_from")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("owner")
