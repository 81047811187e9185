"""Answers given in one showing of a survey share a response id (record format 2), so a
response can be put back together (exports, the completed-response webhook).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("response_id", sa.Text, nullable=True))
    op.create_index("responses_response_id", "responses", ["response_id"])


def downgrade() -> None:
    op.drop_index("responses_response_id", "responses")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("response_id")
