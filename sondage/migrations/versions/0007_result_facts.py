"""Result facts kept at insert time, so the dashboard reads narrow index entries only (goal:
under 300 ms over 100,000 answers):

- ``responses.day`` and ``views.day``: the UTC day (date filters and answers per day);
- ``responses.opens``: 1 on the first stored answer of its showing (or an answer without a
  showing id), so responses are a sum, not a count of distinct showing ids;
- ``responses.closes``: 1 on the first stored answer that completed its showing;
- ``responses.choice``: a short text answer (a picked choice; "Other" for an "Other: ..." one);
- ``showings``: which showings have an answer and a completion (decides the two flags atomically);
- ``answer_traits``: the visitor's traits of each answer, one row each (the trait filter).

Existing answers are backfilled from their records, in the order they were given.

Revision ID: 0007
Revises: 0006
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CHOICE_MAX = 200        # the survey format's longest choice
TRAIT_MAX = 500         # longer trait values are kept in the record, not filterable
OTHER = "Other"


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("day", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("opens", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("closes", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("choice", sa.Text, nullable=True))
    with op.batch_alter_table("views") as batch:
        batch.add_column(sa.Column("day", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "showings",
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("response_id", sa.Text, nullable=False),
        sa.Column("completed", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("site", "response_id", name="showings_pk"),
    )
    op.create_table(
        "answer_traits",
        sa.Column("answer_id", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("answer_id", "key", name="answer_traits_pk"),
    )
    op.create_index("answer_traits_by_value", "answer_traits", ["key", "value", "answer_id"])
    bind = op.get_bind()
    table = sa.table("responses", sa.column("id"), sa.column("site"), sa.column("record"), sa.column("answered_at"),
                     sa.column("response_id"), sa.column("completes"), sa.column("response_text"),
                     sa.column("day"), sa.column("opens"), sa.column("closes"), sa.column("choice"))
    traits = sa.table("answer_traits", sa.column("answer_id"), sa.column("key"), sa.column("value"))
    showings = sa.table("showings", sa.column("site"), sa.column("response_id"), sa.column("completed"))
    opened: dict[tuple[str, str], int] = {}
    rows = bind.execute(sa.select(table.c.id, table.c.site, table.c.record, table.c.answered_at, table.c.response_id,
                                  table.c.completes, table.c.response_text)
                        .order_by(table.c.answered_at, table.c.id)).all()
    for row_id, site, text, answered_at, showing, completes, answer_text in rows:
        key = (site, showing or "")
        opens = 1 if not showing or key not in opened else 0
        closes = 1 if completes and (not showing or not opened.get(key)) else 0
        if showing:
            opened[key] = opened.get(key, 0) | int(bool(completes))
        choice = None
        if isinstance(answer_text, str) and answer_text and len(answer_text) <= CHOICE_MAX:
            choice = OTHER if answer_text.startswith(f"{OTHER}: ") else answer_text
        bind.execute(table.update().where(table.c.id == row_id).values(
            day=str(answered_at)[:10], opens=opens, closes=closes, choice=choice))
        user = json.loads(text).get("user") or {}
        kept = [{"answer_id": row_id, "key": str(k), "value": v} for k, v in
                ((k, v if isinstance(v, str) else json.dumps(v)) for k, v in user.items())
                if len(v) <= TRAIT_MAX]
        if kept:
            bind.execute(traits.insert(), kept)
    if opened:
        bind.execute(showings.insert(), [{"site": s, "response_id": r, "completed": c}
                                         for (s, r), c in opened.items()])
    views = sa.table("views", sa.column("day"), sa.column("shown_at"))
    bind.execute(views.update().values(day=sa.func.substr(views.c.shown_at, 1, 10)))
    # The dashboard's figures are read from these (covering) indexes, not from the wide rows.
    op.drop_index("responses_results", "responses")
    op.drop_index("responses_by_id", "responses")
    op.create_index("responses_facts", "responses", ["site", "preview", "survey_id", "question_id", "response_int",
                                                     "day", "opens", "closes", "url", "id"])
    op.create_index("responses_choices", "responses", ["site", "preview", "survey_id", "question_id", "choice",
                                                       "day", "url", "id"])
    op.drop_index("views_results", "views")
    op.create_index("views_facts", "views", ["site", "preview", "survey_id", "day", "url"])


def downgrade() -> None:
    op.drop_index("views_facts", "views")
    op.create_index("views_results", "views", ["site", "preview", "survey_id", "shown_at", "url"])
    op.drop_index("responses_choices", "responses")
    op.drop_index("responses_facts", "responses")
    op.create_index("responses_results", "responses", ["site", "preview", "survey_id", "question_id", "response_int",
                                                       "answered_at", "completes", "response_id"])
    op.create_index("responses_by_id", "responses", ["id", "site", "preview", "survey_id", "question_id",
                                                     "answered_at"])
    op.drop_index("answer_traits_by_value", "answer_traits")
    op.drop_table("answer_traits")
    op.drop_table("showings")
    with op.batch_alter_table("views") as batch:
        batch.drop_column("day")
    with op.batch_alter_table("responses") as batch:
        for name in ("choice", "closes", "opens", "day"):
            batch.drop_column(name)
