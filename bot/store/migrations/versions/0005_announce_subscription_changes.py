"""PostgreSQL announces every subscription change (NOTIFY), whoever makes it.

Revision ID: 0005
Revises: 0004

A row trigger, so a change made by any process, or by an operator's SQL,
reaches the process that owns the guild (``bot.cluster.bus``). The payload is
"<subscription id> <guild id>"; the listener re-reads the row. SQLite has one
process and needs no announcement.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION dateline_subscription_changed() RETURNS trigger AS $$
        DECLARE
            changed subscriptions%ROWTYPE;
        BEGIN
            IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
            PERFORM pg_notify('dateline_subscriptions', changed.id || ' ' || changed.guild_id);
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        """
        CREATE TRIGGER subscriptions_announce
        AFTER INSERT OR UPDATE OR DELETE ON subscriptions
        FOR EACH ROW EXECUTE FUNCTION dateline_subscription_changed()
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS subscriptions_announce ON subscriptions")
    op.execute("DROP FUNCTION IF EXISTS dateline_subscription_changed()")
