"""The collector's database schema, as ordered Alembic migrations (SQLite and PostgreSQL).

``sondage.collector.database.Store`` applies them on start; ``versions/`` holds one file per step, each
naming the one before it. Never edit a released step: add the next one.
"""
