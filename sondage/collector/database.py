"""Where the collector keeps answers: one query layer (SQLAlchemy Core) over SQLite or
PostgreSQL, its schema brought up to date by ordered migrations (``sondage/migrations``)
when it opens.

Answers are de-duplicated by record id: the same record sent twice (a retry, two tabs) is
stored once. An answer given on a survey's own page (a link answer, whose id is derived from
the recipient, runtime/link_params.py) is one per showing and question: another answer to
it replaces the earlier one.
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles

from runtime.answers import OTHER
from runtime.link_params import is_link_id
from runtime.records import is_view
from runtime.vendors import registry

from .writer import GroupWriter

T = TypeVar("T")
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# The visitor's ids in the vendors' tools, each a column (migration 0003 made them; a vendor
# added later needs a migration adding its own).
IDENTITY_COLUMNS = registry.identity_names()
metadata = sa.MetaData()
# The table as the migrations leave it (for queries; the migrations own the DDL).
responses = sa.Table(
    "responses", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("site", sa.Text, nullable=False),
    sa.Column("survey_id", sa.Text, nullable=False),
    sa.Column("question_id", sa.Text, nullable=False),
    sa.Column("answered_at", sa.Text, nullable=False),
    sa.Column("received_at", sa.Float, nullable=False),
    sa.Column("preview", sa.Integer, nullable=False),
    sa.Column("record", sa.Text, nullable=False),
    sa.Column("record_version", sa.Integer, nullable=False),
    sa.Column("external_id", sa.Text),
    *(sa.Column(name, sa.Text) for name in IDENTITY_COLUMNS),
    sa.Column("response_id", sa.Text),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("completes", sa.Integer, nullable=False),
    sa.Column("response_int", sa.Integer),
    sa.Column("response_text", sa.Text),
    sa.Column("day", sa.Text, nullable=False),
    sa.Column("opens", sa.Integer, nullable=False),
    sa.Column("closes", sa.Integer, nullable=False),
    sa.Column("choice", sa.Text),
)
# One row per choice picked in a multiple-choice answer (choice counts in SQL).
response_choices = sa.Table(
    "response_choices", metadata,
    sa.Column("answer_id", sa.Text, primary_key=True),
    sa.Column("choice", sa.Text, primary_key=True),
)
# Showings of a survey (record kind "view"): nothing of the visitor.
views = sa.Table(
    "views", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("site", sa.Text, nullable=False),
    sa.Column("survey_id", sa.Text, nullable=False),
    sa.Column("response_id", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("preview", sa.Integer, nullable=False),
    sa.Column("shown_at", sa.Text, nullable=False),
    sa.Column("received_at", sa.Float, nullable=False),
    sa.Column("record_version", sa.Integer, nullable=False),
    sa.Column("day", sa.Text, nullable=False),
)
# Showings with an answer (and whether one completed them): decides `opens` and `closes`.
showings = sa.Table(
    "showings", metadata,
    sa.Column("site", sa.Text, primary_key=True),
    sa.Column("response_id", sa.Text, primary_key=True),
    sa.Column("completed", sa.Integer, nullable=False),
)
# The visitor's traits of each answer, one row each (the dashboard's trait filter).
answer_traits = sa.Table(
    "answer_traits", metadata,
    sa.Column("answer_id", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
CHOICE_MAX = 200        # the survey format's longest choice: longer text answers get no `choice`
TRAIT_MAX = 500         # longer trait values stay in the record, not filterable


# What a database that is away raises through SQLAlchemy: a refused or broken connection, a
# server restarting or shutting down, a pool with no connection free in time, SQLite locked.
AWAY: tuple[type[Exception], ...] = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


def away(exc: BaseException) -> bool:
    """Does ``exc`` say the database is away for now (down, restarting, locked), not a bug?"""
    if isinstance(exc, AWAY):
        return True
    return isinstance(exc, sa.exc.DBAPIError) and bool(exc.connection_invalidated)


def choice_of(text: Any) -> str | None:
    """The `choice` column of an answer: a short text answer, "Other" for an "Other: ..." one."""
    if not isinstance(text, str) or not text or len(text) > CHOICE_MAX:
        return None
    return OTHER if text.startswith(f"{OTHER}: ") else text


def trait_text(value: Any) -> str:
    """A trait's value as the dashboard's filter compares it (JSON for numbers and booleans)."""
    return value if isinstance(value, str) else json.dumps(value)


def database_url(db: str | Path) -> str:
    """A SQLAlchemy URL from what a user passes: a URL, or a path to a SQLite file."""
    text = str(db)
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).resolve()}"


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


# -- text in lower case, as the page rules compare it ----------------------------------------
ICU_ROOT = "und-x-icu"          # PostgreSQL's ICU root collation: lower() folds as Python does


class Lower(sa.sql.functions.FunctionElement[str]):
    """``lower(column)`` that folds every letter as Python's ``str.lower`` does (the page rules'
    ``contains``, runtime/targeting.py), not only A-Z: SQLite's own lower() and LIKE fold ASCII
    only, PostgreSQL's follow the database's locale (ASCII only under C). SQLite calls Python's
    str.lower (registered on each connection); PostgreSQL lower() under ICU's root collation,
    whatever the database's locale (under its own locale on a server built without ICU). Text
    that is all ASCII (most URLs: browsers percent-encode the rest) takes the databases' own
    lower(), which folds it the same, faster."""

    type = sa.Text()
    name = "sondage_lower"
    inherit_cache = True


@compiles(Lower)
def _lower_sqlite(element: Lower, compiler: Any, **kw: Any) -> str:
    text = compiler.process(element.clauses, **kw)
    return (f"(CASE WHEN length({text}) = length(CAST({text} AS BLOB)) THEN lower({text}) "
            f"ELSE sondage_lower({text}) END)")


@compiles(Lower, "postgresql")
def _lower_postgresql(element: Lower, compiler: Any, **kw: Any) -> str:
    text = compiler.process(element.clauses, **kw)
    if not getattr(compiler.dialect, "sondage_icu", False):
        return f"lower({text})"
    return (f'(CASE WHEN octet_length({text}) = char_length({text}) THEN lower(({text}) COLLATE "C") '
            f'ELSE lower(({text}) COLLATE "{ICU_ROOT}") COLLATE "C" END)')


def _python_lower(text: Any) -> Any:
    return text.lower() if isinstance(text, str) else text


SQLITE_BUSY_MS = 5000       # how long a SQLite statement waits for a lock another process holds


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.create_function("sondage_lower", 1, _python_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_MS)}")   # first: another process may hold the file
    cursor.execute("PRAGMA journal_mode=WAL")       # readers never wait for the writer
    # In WAL mode: a commit survives the process being killed; one lost to a power cut is the
    # last few (the file is never corrupted). The writer's group commit syncs once a group.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# The key of the PostgreSQL advisory lock the migrations run under (any fixed 64-bit number:
# "sondage" in ASCII), so collectors started at once migrate one after the other.
MIGRATION_LOCK = 0x736F6E64616765


@dataclass(frozen=True)
class Migrated:
    """What :func:`migrate` did: the schema version found (None: an empty database) and the
    one left; equal when another collector had migrated already."""

    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def __str__(self) -> str:
        if not self.changed:
            return f"schema {self.after}, up to date"
        return f"schema {self.after}, migrated from {self.before or 'an empty database'}"


@contextlib.contextmanager
def _sqlite_file_lock(engine: sa.Engine) -> Iterator[None]:
    """An exclusive lock on ``<database>.migrate-lock`` beside a SQLite file, held while one
    process migrates it (another process waits for it); nothing for an in-memory database."""
    path = engine.url.database
    if not path or path == ":memory:":
        yield
        return
    with open(f"{path}.migrate-lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)     # waits while another process migrates
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def migrate(engine: sa.Engine) -> Migrated:
    """Apply every migration the database has not had yet, in order, under a lock: of any
    number of collectors started at once on an empty or older database exactly one migrates,
    the others wait for it and then find nothing to do. PostgreSQL: a transaction-level
    advisory lock (released when the migrations commit, or with the connection if the process
    dies); SQLite: a file lock beside the database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    postgres = engine.dialect.name == "postgresql"
    with contextlib.nullcontext() if postgres else _sqlite_file_lock(engine), engine.begin() as connection:
        if postgres:
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        before = MigrationContext.configure(connection).get_current_revision()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        after = MigrationContext.configure(connection).get_current_revision()
    return Migrated(before, after)


def schema_version(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


@dataclass
class Added:
    """What :meth:`Store.add_records` did with each record."""

    stored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    replaced: dict[str, list[str]] = field(default_factory=dict)   # stored id -> the earlier answers it replaced


def _row(r: dict[str, Any], now: float, opens: int, closes: int) -> dict[str, Any]:
    """An answer record as its `responses` row."""
    value = r.get("response_int")
    return {
        "id": r["id"], "site": r["site"], "survey_id": r["survey_id"],
        "question_id": r["question_id"], "answered_at": r["answered_at"], "received_at": now,
        "preview": int(bool(r["preview"])), "record": json.dumps(r, sort_keys=True),
        "record_version": int(r.get("version", 1)),
        "external_id": _text((r.get("user") or {}).get("external_id")),
        **{name: _text((r.get("identities") or {}).get(name)) for name in IDENTITY_COLUMNS},
        "response_id": _text(r.get("response_id")),
        "url": str(r.get("url") or ""), "completes": int(bool(r.get("completes_response"))),
        "response_int": value if isinstance(value, int) and not isinstance(value, bool) else None,
        "response_text": r.get("response_string"),
        "day": r["answered_at"][:10], "opens": opens, "closes": closes,
        "choice": choice_of(r.get("response_string")),
    }


class Store:
    def __init__(self, db: str | Path) -> None:
        self.url = database_url(db)
        self._statements: dict[tuple[str, ...], Any] = {}
        self.path = str(db)
        postgres = self.url.startswith("postgresql")
        # PostgreSQL: a connection is checked before it is lent (a server restarted meanwhile is
        # found at once, not by a failed request), and connecting gives up after a few seconds.
        self.engine = sa.create_engine(self.url, pool_pre_ping=postgres,
                                       connect_args={"connect_timeout": 5} if postgres else {})
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.migrated = migrate(self.engine)
        # SQLite takes one writer at a time: this process's writes go through one thread.
        self.writer = GroupWriter(self.engine, away) if self.engine.dialect.name == "sqlite" else None
        if self.engine.dialect.name == "postgresql":     # which lower() Lower compiles to
            with self.engine.connect() as connection:
                icu = connection.execute(sa.text("SELECT 1 FROM pg_collation WHERE collname = :name"),
                                         {"name": ICU_ROOT}).first() is not None
            self.engine.dialect.sondage_icu = icu  # type: ignore[attr-defined]

    def insert_ignoring(self, table: sa.Table, keys: list[str]) -> Any:
        """INSERT that skips a row whose ``keys`` are already there (both databases); made once."""
        made = self._statements.get((table.name, *keys))
        if made is None:
            dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
            made = self._statements[(table.name, *keys)] = dialect.insert(table).on_conflict_do_nothing(
                index_elements=keys)
        return made

    def add(self, records: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
        """Store records; returns the ids stored now, and those that were already there."""
        added = self.add_records(records)
        return added.stored, added.duplicates

    def write(self, fn: Callable[[sa.Connection], T]) -> T:
        """Run ``fn`` in a transaction and commit: on SQLite through the one writer (group
        commit, ``writer``), on PostgreSQL directly (it takes concurrent writers itself)."""
        if self.writer is not None:
            return self.writer.write(fn)
        with self.engine.begin() as connection:
            return fn(connection)

    def add_records(self, records: list[dict[str, Any]],
                    then: Callable[[sa.Connection, Added], None] | None = None) -> Added:
        """Store records: the ids stored now, those already there (or given before a later
        answer of the same link), and which earlier link answers each one replaced. ``then``
        runs in the same transaction (the webhook queue's rows: stored means queued)."""
        now = time.time()

        def add(connection: sa.Connection) -> Added:
            added = self._add_in(connection, records, now)
            if then is not None:
                then(connection, added)
            return added

        return self.write(add)

    def _add_in(self, connection: sa.Connection, records: list[dict[str, Any]], now: float) -> Added:
        added = Added()
        for r in records:
            if is_view(r):
                result = connection.execute(self.insert_ignoring(views, ["id"]).returning(views.c.id), {
                    "id": r["id"], "site": r["site"], "survey_id": r["survey_id"],
                    "response_id": r["response_id"], "url": r["url"], "preview": int(bool(r["preview"])),
                    "shown_at": r["shown_at"], "received_at": now, "record_version": int(r["version"]),
                    "day": r["shown_at"][:10]})
                (added.stored if result.first() is not None else added.duplicates).append(r["id"])
                continue
            if is_link_id(r["id"]) and _text(r.get("response_id")):
                self._add_link_answer(connection, r, now, added)
                continue
            opens, closes = self._showing(connection, r)
            result = connection.execute(self.insert_ignoring(responses, ["id"]).returning(responses.c.id),
                                        _row(r, now, opens, closes))
            if result.first() is None:
                added.duplicates.append(r["id"])
                continue
            added.stored.append(r["id"])
            self._insert_facts(connection, r)
        return added

    def _insert_facts(self, connection: sa.Connection, r: dict[str, Any]) -> None:
        """The rows an answer's filters read: its picked choices, its traits."""
        picked = r.get("response_array")
        if isinstance(picked, list) and picked:
            connection.execute(response_choices.insert(),
                               [{"answer_id": r["id"], "choice": str(c)} for c in dict.fromkeys(picked)])
        traits = [{"answer_id": r["id"], "key": str(k), "value": trait_text(v)}
                  for k, v in (r.get("user") or {}).items()]
        traits = [t for t in traits if len(t["value"]) <= TRAIT_MAX]
        if traits:
            connection.execute(answer_traits.insert(), traits)

    def _add_link_answer(self, connection: sa.Connection, r: dict[str, Any], now: float, added: Added) -> None:
        """An answer given on a survey's own page (a link id, runtime/link_params.py): one per
        showing and question, the latest given. The same answer again is a duplicate; another
        one replaces the earlier answer (its row and its facts), and one given before the
        stored one (a late delivery) is not stored (a duplicate). The showing's row is locked
        first, so two collectors taking answers of one showing at once do it one after the other."""
        key = {"site": r["site"], "response_id": r["response_id"]}
        connection.execute(self.insert_ignoring(showings, ["site", "response_id"]), {**key, "completed": 0})
        connection.execute(sa.select(showings.c.completed).where(
            showings.c.site == r["site"], showings.c.response_id == r["response_id"]).with_for_update())
        if connection.execute(sa.select(responses.c.id).where(responses.c.id == r["id"])).first() is not None:
            added.duplicates.append(r["id"])
            return
        earlier = connection.execute(
            sa.select(responses.c.id, responses.c.answered_at).where(
                responses.c.response_id == r["response_id"], responses.c.site == r["site"],
                responses.c.survey_id == r["survey_id"], responses.c.question_id == r["question_id"])).all()
        if any(row.answered_at >= r["answered_at"] for row in earlier):
            added.duplicates.append(r["id"])      # a later answer is there already: it stays
            return
        gone = [row.id for row in earlier]
        if gone:
            connection.execute(response_choices.delete().where(response_choices.c.answer_id.in_(gone)))
            connection.execute(answer_traits.delete().where(answer_traits.c.answer_id.in_(gone)))
            connection.execute(responses.delete().where(responses.c.id.in_(gone)))
            added.replaced[r["id"]] = gone
        connection.execute(responses.insert(), _row(r, now, 0, 0))
        self._insert_facts(connection, r)
        self._settle_showing(connection, r["site"], r["response_id"])
        added.stored.append(r["id"])

    def _settle_showing(self, connection: sa.Connection, site: str, showing: str) -> None:
        """The dashboard's flags of one showing's answers after one was replaced: its first
        answer opens it, its first completing answer closes it (`opens`, `closes`, `showings`)."""
        rows = connection.execute(
            sa.select(responses.c.id, responses.c.completes).where(
                responses.c.site == site, responses.c.response_id == showing)
            .order_by(responses.c.answered_at, responses.c.id)).all()
        first = rows[0].id if rows else None
        closing = next((row.id for row in rows if row.completes), None)
        for row in rows:
            connection.execute(responses.update().where(responses.c.id == row.id).values(
                opens=int(row.id == first), closes=int(row.id == closing)))
        connection.execute(showings.update().where(showings.c.site == site, showings.c.response_id == showing)
                           .values(completed=int(closing is not None)))

    def _showing(self, connection: sa.Connection, r: dict[str, Any]) -> tuple[int, int]:
        """(opens, closes) of an answer about to be stored: is it its showing's first answer, its
        first completing one. Decided by the `showings` row, atomically on both databases; a
        duplicate record finds its showing's row already written by its first copy (0, 0)."""
        showing = _text(r.get("response_id"))
        completes = bool(r.get("completes_response"))
        if showing is None:
            return 1, int(completes)
        key = {"site": r["site"], "response_id": showing}
        opened = connection.execute(self.insert_ignoring(showings, ["site", "response_id"])
                                    .returning(showings.c.response_id), {**key, "completed": 0}).first()
        closed = completes and connection.execute(
            showings.update().where(showings.c.site == r["site"], showings.c.response_id == showing,
                                    showings.c.completed == 0)
            .values(completed=1).returning(showings.c.response_id)).first() is not None
        return int(opened is not None), int(closed)

    def list(self, *, site: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        query = sa.select(responses.c.record)
        if site:
            query = query.where(responses.c.site == site)
        query = query.order_by(responses.c.received_at.desc(), responses.c.answered_at.desc(),
                               responses.c.id.desc()).limit(max(1, min(limit, 10000)))
        with self.engine.connect() as connection:
            rows = connection.execute(query).scalars().all()
        return [json.loads(r) for r in rows]

    def export(self, *, site: str | None = None, survey: str | None = None, since: str | None = None,
               limit: int = 1_000_000) -> builtins.list[dict[str, Any]]:
        """Answers in the order they were given, filtered (``since``: an ISO UTC time)."""
        query = sa.select(responses.c.record)
        if site:
            query = query.where(responses.c.site == site)
        if survey:
            query = query.where(responses.c.survey_id == survey)
        if since:
            query = query.where(responses.c.answered_at >= since)
        query = query.order_by(responses.c.answered_at, responses.c.id).limit(limit)
        with self.engine.connect() as connection:
            return [json.loads(r) for r in connection.execute(query).scalars()]

    def export_where(self, where: builtins.list[sa.ColumnElement[bool]],
                     limit: int = 1_000_000) -> builtins.list[dict[str, Any]]:
        """Answers matching ``where`` (a results filter), in the order they were given."""
        query = sa.select(responses.c.record).where(*where).order_by(responses.c.answered_at, responses.c.id)
        with self.engine.connect() as connection:
            return [json.loads(r) for r in connection.execute(query.limit(limit)).scalars()]

    def showings_answered(self, site: str, survey_ids: builtins.list[str]) -> dict[str, tuple[int, int]]:
        """For each of these surveys: (showings with an answer, showings completed), from real
        visitors (not previews). One query; a showing counts once however many answers it has
        (`opens` and `closes` flag its first and first completing answer)."""
        query = (sa.select(responses.c.survey_id, sa.func.sum(responses.c.opens), sa.func.sum(responses.c.closes))
                 .where(responses.c.site == site, responses.c.survey_id.in_(survey_ids), responses.c.preview == 0)
                 .group_by(responses.c.survey_id))
        with self.engine.connect() as connection:
            return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in connection.execute(query)}

    def sites(self) -> builtins.list[str]:
        """The sites that have answers or views."""
        with self.engine.connect() as connection:
            return sorted(set(connection.execute(sa.select(responses.c.site).distinct()).scalars())
                          | set(connection.execute(sa.select(views.c.site).distinct()).scalars()))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.engine.dispose()
