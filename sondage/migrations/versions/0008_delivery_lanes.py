"""The webhook and relay queue, worked by many senders at once: each delivery's ``lane`` (the
showing it belongs to, its response id), so the deliveries of one response go one after
another and in order while others go in parallel; and the due index also serves the claim of
a delivery whose sender died (status ``sending`` past its lease).

Deliveries queued before have no lane (nothing orders them), as before.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("lane", sa.Text, nullable=True))
    op.create_index("webhook_deliveries_lane", "webhook_deliveries", ["url", "lane", "id"])


def downgrade() -> None:
    op.drop_index("webhook_deliveries_lane", "webhook_deliveries")
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("lane")
