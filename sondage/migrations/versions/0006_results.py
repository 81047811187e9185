"""Results: survey views (a showing was displayed, record kind "view"), and the answer columns
the dashboard's figures are computed from in SQL: the page, whether the answer completed its
response, the numeric and text answer, and one row per choice picked.

Existing answers get their columns from the record each keeps.

Revision ID: 0006
Revises: 0005
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "views",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("survey_id", sa.Text, nullable=False),
        sa.Column("response_id", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("preview", sa.Integer, nullable=False),
        sa.Column("shown_at", sa.Text, nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("record_version", sa.Integer, nullable=False),
    )
    # Covering indexes: the dashboard's figures are read from them, not from the wide rows.
    op.create_index("views_results", "views", ["site", "preview", "survey_id", "shown_at", "url"])
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("url", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("completes", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("response_int", sa.Integer, nullable=True))
        batch.add_column(sa.Column("response_text", sa.Text, nullable=True))
    op.create_index("responses_site_survey_answered", "responses", ["site", "survey_id", "answered_at"])
    op.create_index("responses_results", "responses", ["site", "preview", "survey_id", "question_id", "response_int",
                                                       "answered_at", "completes", "response_id"])
    op.create_index("responses_by_id", "responses", ["id", "site", "preview", "survey_id", "question_id",
                                                     "answered_at"])
    op.create_table(
        "response_choices",
        sa.Column("answer_id", sa.Text, nullable=False),
        sa.Column("choice", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("answer_id", "choice", name="response_choices_pk"),
    )
    bind = op.get_bind()
    table = sa.table("responses", sa.column("id"), sa.column("record"), sa.column("url"), sa.column("completes"),
                     sa.column("response_int"), sa.column("response_text"))
    choices = sa.table("response_choices", sa.column("answer_id"), sa.column("choice"))
    for row_id, text in bind.execute(sa.select(table.c.id, table.c.record)).all():
        record = json.loads(text)
        value = record.get("response_int")
        bind.execute(table.update().where(table.c.id == row_id).values(
            url=str(record.get("url") or ""), completes=int(bool(record.get("completes_response"))),
            response_int=value if isinstance(value, int) and not isinstance(value, bool) else None,
            response_text=record.get("response_string")))
        picked = record.get("response_array")
        if isinstance(picked, list) and picked:
            bind.execute(choices.insert(), [{"answer_id": row_id, "choice": str(c)} for c in dict.fromkeys(picked)])


def downgrade() -> None:
    op.drop_table("response_choices")
    op.drop_index("responses_by_id", "responses")
    op.drop_index("responses_results", "responses")
    op.drop_index("responses_site_survey_answered", "responses")
    with op.batch_alter_table("responses") as batch:
        for name in ("response_text", "response_int", "completes", "url"):
            batch.drop_column(name)
    op.drop_index("views_results", "views")
    op.drop_table("views")
