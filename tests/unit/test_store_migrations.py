"""The collector's database is versioned: ordered migrations, from the unversioned table of
before to today's, with nothing lost; record format versions it does not know are refused."""

import json
import sqlite3

import pytest
import sqlalchemy as sa

from runtime.records import answer_record
from runtime.survey_format import load_site_data
from sondage.collector.database import Store, schema_version
from sondage.collector.intake import CollectorError, parse_body

# The table `sondage serve` created before migrations existed.
LEGACY_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY, site TEXT NOT NULL, survey_id TEXT NOT NULL, question_id TEXT NOT NULL,
    answered_at TEXT NOT NULL, received_at REAL NOT NULL, preview INTEGER NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS responses_site ON responses (site, received_at);
"""


@pytest.fixture
def record(site_data):
    survey = load_site_data(site_data).surveys[0]
    return answer_record(survey, survey.questions[0], 8, record_id="rec-000001", site="shop", now=1.0)


def test_a_new_database_gets_every_migration(db_url):
    store = Store(db_url)
    assert schema_version(store.engine) == "0008"
    store.close()


def test_a_database_from_before_migrations_keeps_its_answers(tmp_path, record):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(LEGACY_SCHEMA)
    db.execute("INSERT INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               (record["id"], record["site"], record["survey_id"], record["question_id"], record["answered_at"],
                1.0, 0, json.dumps(record)))
    db.commit()
    db.close()
    store = Store(path)
    assert schema_version(store.engine) == "0008"
    assert [r["id"] for r in store.list()] == [record["id"]]
    with store.engine.connect() as connection:   # the dashboard's columns, from the record kept
        row = connection.execute(sa.text("SELECT response_int, response_text, url, completes, day, opens, closes, "
                                         "choice FROM responses")).one()
    assert tuple(row) == (8, "8", record["url"], 0, record["answered_at"][:10], 1, 0, "8")
    assert store.add([record]) == ([], [record["id"]])          # still de-duplicated
    assert store.add([{**record, "id": "rec-000009"}]) == (["rec-000009"], [])
    versions = sqlite3.connect(path).execute("SELECT record_version FROM responses ORDER BY id").fetchall()
    assert versions == [(1,), (2,)]       # the answer from before, and one of today's format
    store.close()
    Store(path).close()                                        # opening again changes nothing


def test_an_unknown_record_version_is_refused_by_name(record):
    with pytest.raises(CollectorError, match=r"records\[0\]\.version: record format version 9 is not one "
                                             r"this collector understands \(1, 2\)"):
        parse_body(json.dumps({"records": [{**record, "version": 9}]}).encode())


def test_records_of_format_1_are_still_accepted(record):
    old = {k: v for k, v in record.items() if k != "identities"} | {"version": 1}
    assert parse_body(json.dumps({"records": [old]}).encode())[0]["identities"] == {}


def test_identities_are_stored_in_columns_to_join_with_vendor_profiles(db_url, record):
    store = Store(db_url)
    store.add([{**record, "user": {"external_id": "u-7"},
                "identities": {"braze_external_id": "u-7", "clevertap_id": "ct-123"}}])
    with store.engine.connect() as connection:
        row = connection.execute(sa.text(
            "SELECT external_id, braze_external_id, braze_device_id, clevertap_id FROM responses")).one()
    assert tuple(row) == ("u-7", "u-7", None, "ct-123")
    store.close()
