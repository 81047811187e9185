"""The dashboard's figures, computed by SQL, on SQLite and PostgreSQL: checked against a
small set of answers whose numbers are known, and against a seeded set recounted in Python."""

import pytest
from alembic import command
from alembic.config import Config

from devtools.seed import seed_store, showings
from runtime.records import answer_record, view_record
from runtime.survey_format import load_site_data
from sondage.catalogue import Catalogue
from sondage.collector.database import MIGRATIONS, Store, schema_version
from sondage.collector.results import Filter, FilterError, compute

DAY1 = 1_780_000_000.0          # 2026-05-28 UTC
DAY2 = DAY1 + 86400


@pytest.fixture
def site(site_data):
    return load_site_data(site_data)


def _answers(site):
    nps, manual, welcome = site.surveys[0], site.surveys[1], site.surveys[2]
    records = []

    def show(survey, n, when, url="https://shop.test/p", preview=False):
        records.append(view_record(survey, record_id=f"view-{n:04d}", site="shop", now=when, url=url,
                                   preview=preview, response_id=f"show-{n:04d}"))

    def answer(survey, qi, value, n, when, user=None, url="https://shop.test/p", preview=False, last=False):
        records.append(answer_record(survey, survey.questions[qi], value, record_id=f"ans-{n:04d}-{qi}", site="shop",
                                     now=when, url=url, user=user or {}, preview=preview,
                                     response_id=f"show-{n:04d}", completes_response=last))

    # NPS: 5 showings; 4 answered (10, 9, 7, 3), 3 of them completed (the text), 1 ignored.
    for n, (score, text, plan) in enumerate([(10, "Fast <b>delivery</b>", "pro"), (9, "Good", "free"),
                                             (7, None, "pro"), (3, "Too slow", "free")]):
        when = DAY1 if n < 2 else DAY2
        show(nps, n, when, url="https://shop.test/cart?x=1" if n == 3 else "https://shop.test/p")
        answer(nps, 0, score, n, when, user={"plan": plan}, url="https://shop.test/cart?x=1" if n == 3
               else "https://shop.test/p")
        if text:
            answer(nps, 1, text, n, when + 10, user={"plan": plan}, last=True)
    show(nps, 10, DAY2)
    # Multiple choice: two answers (a+b, b), both complete.
    show(manual, 20, DAY1)
    answer(manual, 0, ["a", "b"], 20, DAY1, last=True)
    show(manual, 21, DAY2)
    answer(manual, 0, ["b"], 21, DAY2, last=True)
    # A preview answer: not in the live figures.
    show(welcome, 30, DAY1, preview=True)
    answer(welcome, 0, 2, 30, DAY1, preview=True, last=True)
    return records


def test_figures_of_a_known_set_of_answers(db_url, site, site_data):
    store = Store(db_url)
    records = _answers(site)
    for r in records:                   # one request each, then all of them again (a retry): counted once
        assert store.add([r]) == ([r["id"]], [])
    assert store.add(records) == ([], [r["id"] for r in records])
    catalogue = Catalogue({"shop": site})
    results = compute(store, Filter("shop"), catalogue)
    nps, manual, welcome, draft = results.surveys
    assert (nps.views, nps.responses, nps.completed, nps.answers) == (5, 4, 3, 7)
    assert nps.completion_rate == pytest.approx(0.6)
    score, why = nps.questions
    assert score.answers == 4 and dict(score.distribution) == {0: 0, 1: 0, 2: 0, 3: 1, 4: 0, 5: 0, 6: 0,
                                                                7: 1, 8: 0, 9: 1, 10: 1}
    assert score.nps == {"promoters": 2, "passives": 1, "detractors": 1, "score": 25}
    assert score.average == pytest.approx(29 / 4)
    assert [t for _, t in why.latest] == ["Too slow", "Good", "Fast <b>delivery</b>"]   # newest first
    assert manual.questions[0].choices == [("b", 2), ("a", 1), ("c", 0)] and manual.questions[0].answers == 2
    assert (welcome.views, welcome.answers) == (0, 0)                   # the preview is left out
    assert draft.views == 0 and draft.questions[0].choices == [("x", 0), ("y", 0)]
    assert results.per_day == [("2026-05-28", 3, 3), ("2026-05-29", 4, 3)]
    # Filters: the page, a trait, preview, dates.
    cart = compute(store, Filter("shop", url="/cart"), catalogue).surveys[0]
    assert (cart.views, cart.responses) == (1, 1)                      # a view keeps the path, not the query
    pro = compute(store, Filter("shop", trait=("plan", "pro")), catalogue).surveys[0]
    assert (pro.views, pro.responses, pro.completion_rate) == (None, 2, None)   # views carry no traits
    preview = compute(store, Filter("shop", mode="preview"), catalogue).surveys[2]
    assert (preview.views, preview.answers, preview.questions[0].average) == (1, 1, 2.0)
    day2 = compute(store, Filter("shop", since="2026-05-29", until="2026-05-29"), catalogue)
    assert [(s.id, s.views, s.responses) for s in day2.surveys][:2] == [("nps", 3, 2), ("manual", 1, 1)]
    store.close()


def test_a_database_upgraded_from_0006_gives_the_same_figures(db_url, site):
    """Migration 0007's backfill (days, first and completing answers, choices, traits) agrees
    with what `Store.add` keeps today: down to 0006 and up again, every figure is the same."""
    store = Store(db_url)
    store.add(_answers(site))
    catalogue = Catalogue({"shop": site})
    filters = [Filter("shop"), Filter("shop", trait=("plan", "pro")), Filter("shop", since="2026-05-29"),
               Filter("shop", mode="all", url="/cart")]
    before = [compute(store, f, catalogue) for f in filters]
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    assert schema_version(store.engine) == "0006"
    store.close()
    store = Store(db_url)                                       # opening it upgrades it again
    assert schema_version(store.engine) == "0008"
    assert [compute(store, f, catalogue) for f in filters] == before
    store.close()


def test_a_seeded_site_recounted_in_python(db_url, site):
    store = Store(db_url)
    records = showings(site, 600, seed=7)
    assert seed_store(store, site, 600, seed=7) == len(records)
    results = compute(store, Filter("shop"), Catalogue({"shop": site}))
    live_answers = [r for r in records if "kind" not in r and not r["preview"]]
    live_views = [r for r in records if r.get("kind") == "view" and not r["preview"]]
    for survey in results.surveys:
        mine = [r for r in live_answers if r["survey_id"] == survey.id]
        assert survey.answers == len(mine)
        assert survey.views == sum(v["survey_id"] == survey.id for v in live_views)
        assert survey.completed == len({r["response_id"] for r in mine if r["completes_response"]})
        assert survey.responses == len({r["response_id"] for r in mine})
        for q in survey.questions:
            values = [r["response_int"] for r in mine if r["question_id"] == q.id and r["response_int"] is not None]
            if values:
                assert q.average == pytest.approx(sum(values) / len(values))
    # A trait and a date filter, recounted: a response counts where its first answer does.
    since, until = "2026-06-03", "2026-06-10"
    pro = compute(store, Filter("shop", trait=("plan", "pro"), since=since, until=until), Catalogue({"shop": site}))
    first_answers: dict[str, dict] = {}
    for r in live_answers:                                      # in the order they were stored
        first_answers.setdefault(r["response_id"], r)

    def wanted(r):
        return r["user"]["plan"] == "pro" and since <= r["answered_at"][:10] <= until

    for survey in pro.surveys:
        assert survey.views is None
        assert survey.answers == sum(r["survey_id"] == survey.id and wanted(r) for r in live_answers)
        assert survey.responses == sum(r["survey_id"] == survey.id and wanted(r) for r in first_answers.values())
        assert survey.responses > 0
    store.close()


def test_bad_filter_parameters_are_named():
    with pytest.raises(FilterError, match=r"^since: a date as YYYY-MM-DD, got 'yesterday'"):
        Filter.from_query({"site": "shop", "since": "yesterday"})
    with pytest.raises(FilterError, match=r"^trait: key=value"):
        Filter.from_query({"site": "shop", "trait": "plan"})
    with pytest.raises(FilterError, match=r"^mode: one of live, preview, all"):
        Filter.from_query({"site": "shop", "mode": "both"})
    with pytest.raises(FilterError, match=r"^since: 2026-02-01 is after until"):
        Filter.from_query({"site": "shop", "since": "2026-02-01", "until": "2026-01-01"})
    f = Filter.from_query({"site": "shop", "trait": "plan = pro", "url": " /cart "})
    assert f.trait == ("plan", "pro") and f.url == "/cart"
    assert Filter.from_query(dict(f.params())) == f
