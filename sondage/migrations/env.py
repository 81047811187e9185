"""Alembic's entry point: run by ``sondage.collector.database.migrate`` with the connection it passes."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
