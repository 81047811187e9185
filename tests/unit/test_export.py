"""`sondage export`: answers as a spreadsheet opens them, and as JSON / NDJSON."""

import csv
import io
import json

import pytest

from runtime.records import answer_record
from runtime.survey_format import load_site_data
from sondage.cli import main
from sondage.collector.database import Store


@pytest.fixture
def filled(db_url, site_data):
    data = load_site_data(site_data)
    nps, manual = data.surveys[0], data.surveys[1]
    store = Store(db_url)
    store.add([
        answer_record(nps, nps.questions[0], 9, record_id="rec-exp-0001", site="shop", now=1_700_000_000.0,
                      user={"external_id": "u-1", "plan": "=HYPERLINK(\"http://evil\")",
                            "joined": {"type": "date", "value": 1704153600}},
                      response_properties={"order": "A-1"}),
        answer_record(nps, nps.questions[1], "@SUM(1+1)", record_id="rec-exp-0002", site="shop",
                      now=1_700_000_100.0),
        answer_record(manual, manual.questions[0], ["a", "c"], record_id="rec-exp-0003", site="shop",
                      now=1_800_000_000.0),
    ])
    store.close()
    return db_url


def test_csv_one_row_per_answer_with_iterates_columns(filled, tmp_path, capsys):
    out = tmp_path / "answers.csv"
    assert main(["export", "--db", filled, "--format", "csv", "--survey", "nps", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [r["id"] for r in rows] == ["rec-exp-0001", "rec-exp-0002"]
    first, second = rows
    assert first["question"] == "How likely?" and first["response_int"] == "9" and first["label"] == "nps_score"
    assert first["user_external_id"] == "u-1" and first["user_joined"] == "2024-01-02"
    assert first["property_order"] == "A-1"
    assert first["user_plan"] == "'=HYPERLINK(\"http://evil\")"       # never a formula
    assert second["response"] == "'@SUM(1+1)"


def test_json_ndjson_and_since(filled, capsys):
    assert main(["export", "--db", filled, "--format", "ndjson", "--since", "2026-01-01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["rec-exp-0003"]
    assert main(["export", "--db", filled, "--format", "json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)["records"]] == [
        "rec-exp-0001", "rec-exp-0002", "rec-exp-0003"]
    assert main(["export", "--db", filled, "--since", "yesterday"]) == 2
    assert "since: not an ISO date" in capsys.readouterr().err
