"""The visitor's ids in the vendors' tools, as columns, so answers join with Braze and
CleverTap profiles and with the site's own users (record format 2 carries them).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = ("external_id", "braze_external_id", "braze_device_id", "clevertap_id")


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Text, nullable=True))
    op.create_index("responses_external_id", "responses", ["external_id"])
    op.create_index("responses_braze_external_id", "responses", ["braze_external_id"])
    op.create_index("responses_clevertap_id", "responses", ["clevertap_id"])


def downgrade() -> None:
    for index in ("responses_clevertap_id", "responses_braze_external_id", "responses_external_id"):
        op.drop_index(index, "responses")
    with op.batch_alter_table("responses") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
