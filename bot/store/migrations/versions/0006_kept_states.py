"""States behind buttons too long for a custom id, kept in the store under a short key.

Revision ID: 0006
Revises: 0005

In the store rather than one process's memory, a button keeps working after a
restart and whichever process answers it. Each row expires (``expires_at``,
indexed for the clean-up that deletes what has expired).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kept_states",
        sa.Column("key", sa.String(16), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_kept_states"),
    )
    op.create_index("ix_kept_states_expires_at", "kept_states", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_kept_states_expires_at", table_name="kept_states")
    op.drop_table("kept_states")
