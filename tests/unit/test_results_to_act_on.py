"""Results a site owner acts on (issue 31, items 3 and 4), by SQL on SQLite and PostgreSQL:
shares beside counts, NPS / CSAT / average per day or week, the previous period of the same
length, every response with all its answers, and the CSV with a row per response."""

import csv
import io

import pytest

from runtime.records import answer_record
from runtime.survey_format import load_site_data
from sondage.catalogue import Catalogue
from sondage.collector.database import Store
from sondage.collector.respondents import counted, listed, one, per_response_csv
from sondage.collector.results import Filter, compute, previous_filter, trend_period
from tests.unit.test_results import DAY1, DAY2, _answers

WEEK = 7 * 86400


@pytest.fixture
def site(site_data):
    return load_site_data(site_data)


@pytest.fixture
def store(db_url, site):
    s = Store(db_url)
    s.add(_answers(site))
    yield s
    s.close()


def test_each_count_has_its_share(store, site):
    results = compute(store, Filter("shop"), Catalogue({"shop": site}))
    score = results.surveys[0].questions[0]
    assert [score.share(score.nps[g]) for g in ("promoters", "passives", "detractors")] == [0.5, 0.25, 0.25]
    pick = results.surveys[1].questions[0]
    assert [(c, pick.share(n)) for c, n in pick.choices] == [("b", 1.0), ("a", 0.5), ("c", 0.0)]   # of 2 answers


def test_nps_per_day_within_a_month(store, site):
    results = compute(store, Filter("shop"), Catalogue({"shop": site}))
    assert results.period == "day"
    score = results.surveys[0].questions[0]
    # 2026-05-28: 10 and 9 (NPS 100); 2026-05-29: 7 and 3 (NPS -50).
    assert score.trend == [("2026-05-28", 100.0, 2), ("2026-05-29", -50.0, 2)]
    assert score.figure == 25.0


def test_per_week_over_a_longer_range_with_csat_and_rating(db_url, site_data):
    site_data["surveys"][0]["questions"] = [{"id": "c", "type": "csat", "prompt": "Happy?"},
                                            {"id": "r", "type": "rating", "prompt": "Rate", "scale": 5}]
    site = load_site_data(site_data)
    survey = site.surveys[0]
    store = Store(db_url)
    records = []
    # 2026-05-28 is a Thursday: its week starts 2026-05-25; five weeks later, 2026-06-29.
    for n, (when, csat, rating) in enumerate([(DAY1, 5, 4), (DAY1 + 86400, 2, 2), (DAY1 + 5 * WEEK, 4, 5)]):
        for qi, value in ((0, csat), (1, rating)):
            records.append(answer_record(survey, survey.questions[qi], value, record_id=f"answer-{n}-{qi}",
                                         site="shop", now=when, response_id=f"showing-{n:04d}",
                                         completes_response=qi == 1))
    store.add(records)
    try:
        results = compute(store, Filter("shop"), Catalogue({"shop": site}))
        assert results.period == "week"
        c, r = results.surveys[0].questions
        assert c.trend == [("2026-05-25", 50.0, 2), ("2026-06-29", 100.0, 1)]      # % satisfied (4 or 5)
        assert r.trend == [("2026-05-25", 3.0, 2), ("2026-06-29", 5.0, 1)]
    finally:
        store.close()


def test_a_dated_filter_is_compared_with_the_period_before(store, site):
    f = Filter("shop", since="2026-05-29", until="2026-05-29")
    assert previous_filter(f) == Filter("shop", since="2026-05-28", until="2026-05-28")
    results = compute(store, f, Catalogue({"shop": site}))
    assert results.previous is not None and results.previous.previous is None
    now, before = results.surveys[0], results.earlier("nps")
    assert (now.responses, before.responses) == (2, 2)
    assert results.surveys[0].questions[0].figure == -50.0
    assert results.earlier("nps", "score").figure == 100.0
    assert compute(store, Filter("shop"), Catalogue({"shop": site})).previous is None     # no dates: nothing to compare
    assert trend_period(Filter("shop", since="2026-01-01", until="2026-03-01"), []) == "week"


def test_every_response_with_all_its_answers(store, site):
    rows = listed(store, Filter("shop"))
    assert counted(store, Filter("shop")) == len(rows) == 6            # 4 NPS, 2 multiple choice; not the preview
    assert [r.key for r in rows][:2] == ["show-0021", "show-0003"]      # newest first
    done = {r.key: r.completed for r in rows}
    assert done["show-0002"] is False and done["show-0003"] is True
    # Filters apply: a trait, a page.
    assert {r.key for r in listed(store, Filter("shop", trait=("plan", "pro")))} == {"show-0000", "show-0002"}
    assert [r.key for r in listed(store, Filter("shop", url="/cart"))] == ["show-0003"]
    response = one(store, "shop", "show-0003")
    assert [a["question_id"] for a in response.records] == ["score", "why"]
    assert [a["response"] for a in response.records] == [3, "Too slow"]
    assert response.traits == {"plan": "free"} and response.completed
    assert response.urls == ["https://shop.test/cart?x=1", "https://shop.test/p"]
    assert one(store, "shop", "show-9999") is None and one(store, "elsewhere", "show-0003") is None


def test_one_row_per_response_one_column_per_question(store, site):
    from sondage.collector.results import answer_conditions

    records = store.export_where(answer_conditions(Filter("shop", survey="nps")))
    table = list(csv.DictReader(io.StringIO(per_response_csv(records, {s.id: s for s in site.surveys}))))
    assert [(r["response_id"], r["score"], r["why"], r["completed"], r["user_plan"]) for r in table] == [
        ("show-0000", "10", "Fast <b>delivery</b>", "true", "pro"), ("show-0001", "9", "Good", "true", "free"),
        ("show-0002", "7", "", "false", "pro"), ("show-0003", "3", "Too slow", "true", "free")]
    both = store.export_where(answer_conditions(Filter("shop")))
    header = next(csv.reader(io.StringIO(per_response_csv(both, {s.id: s for s in site.surveys}))))
    assert header[-3:] == ["manual.pick", "nps.score", "nps.why"]


def test_a_formula_in_an_answer_stays_text_in_the_spreadsheet(db_url, site):
    survey = site.surveys[0]
    store = Store(db_url)
    try:
        store.add([answer_record(survey, survey.questions[1], "=HYPERLINK(\"http://x\")", record_id="answer-formula",
                                 site="shop", now=DAY2, response_id="showing-formula")])
        records = store.export_where([])
        [row] = list(csv.DictReader(io.StringIO(per_response_csv(records, {survey.id: survey}))))
        assert row["why"] == "'=HYPERLINK(\"http://x\")"
    finally:
        store.close()
