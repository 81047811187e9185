"""Answers given on a survey's own page (links and emails): one per recipient, survey,
question and send; a changed answer replaces the earlier one in the collector's database
(SQLite and PostgreSQL), in the dashboard's counts and at the vendors; a site's `origins`
never make the collector refuse the bundle's own pages, and an answer refused for the page
it comes from is kept, not dropped (issue 25, items 1 and 2)."""

import json

import pytest
import sqlalchemy as sa

from runtime import link_params, protocol
from runtime.delivery import Delivery
from runtime.embed import Runtime
from runtime.records import answer_record, view_record
from runtime.survey_format import load_site_data
from runtime.vendors.braze import BrazeRelay
from sondage.catalogue import Catalogue
from sondage.collector.config import CollectorConfig
from sondage.collector.database import Store, answer_traits, response_choices, responses, showings
from sondage.collector.results import Filter, compute
from sondage.collector.server import start
from sondage.collector.webhooks import WebhookQueue, deliveries
from tests.unit.test_collector_server import make_bundle, request

LINK = "https://cdn.test/s/shop/nps/?user_braze_id=b-1&send=dispatch-7&answer={answer}"


def of(effects, kind):
    return [e for e in effects if e["type"] == kind]


def hosted(site_data, clock, url, storage=None, ids=None, preview=None):
    """A survey's own page opened at ``url``: its runtime, and what it recorded."""
    counter = iter(range(1000, 9999))
    rt = Runtime(clock=clock, new_id=ids or (lambda: f"random{next(counter):08d}"))
    rt.handle({"type": "init", "site_data": site_data, "collector": "https://c.test/collect", "preview": preview,
               "storage": storage or {}, "page": {"url": url, "channel": "hosted"}})
    effects = rt.command("install", ["nps"])
    records = [r for e in of(effects, "deliver") for r in e["records"]]
    return rt, records


# -- the runtime: ids derived from who answered, what, and the send ----------------------------
def test_a_reloaded_link_records_the_same_ids_and_another_answer_only_a_new_answer_id(site_data, clock):
    _, first = hosted(site_data, clock, LINK.format(answer=9))
    clock.now += 60
    _, again = hosted(site_data, clock, LINK.format(answer=9))
    _, other = hosted(site_data, clock, LINK.format(answer=3))
    view, answer = first
    assert view["kind"] == "view" and answer["response"] == 9
    assert [r["id"] for r in again] == [r["id"] for r in first]          # a reload: the same records
    assert all(link_params.is_link_id(r["id"]) for r in first)
    assert other[0]["id"] == view["id"] and other[1]["response_id"] == answer["response_id"]   # the same showing
    assert other[1]["id"] != answer["id"] and other[1]["response"] == 3    # ... another answer to its question
    # Another send of the campaign, or another recipient: another showing altogether.
    _, next_send = hosted(site_data, clock, LINK.format(answer=9).replace("dispatch-7", "dispatch-8"))
    _, someone = hosted(site_data, clock, LINK.format(answer=9).replace("b-1", "b-2"))
    assert len({r["response_id"] for r in (answer, next_send[1], someone[1])}) == 3


def test_the_recipient_is_the_links_identity_else_this_browsers_visitor(site_data, clock):
    assert link_params.recipient({"braze_id": "b"}, {"external_id": "e"}, "v") == "braze_id:b"
    assert link_params.recipient({"clevertap_identity": "c@x"}, {}, "v") == "clevertap_identity:c@x"
    assert link_params.recipient({}, {"external_id": 42}, "v") == "external_id:42"
    assert link_params.recipient({}, {}, "v") == "visitor:v" and link_params.recipient({}, {}, "") == ""
    # No identity in the link: a reload in the same browser (its stored visitor id) is the same answer.
    url = "https://cdn.test/s/shop/nps/?answer=8&send={{campaign.${dispatch_id}}}"   # an unfilled send tag
    rt, first = hosted(site_data, clock, url)
    assert rt.visit.page.link_send == ""
    storage = {protocol.storage_key("shop", "visitor"): rt.visit.visitor.id}      # what the page stored
    _, again = hosted(site_data, clock, url, storage=storage)
    assert [r["id"] for r in again] == [r["id"] for r in first]
    other = iter(range(5000, 9999))
    _, elsewhere = hosted(site_data, clock, url, ids=lambda: f"elsewhere{next(other):08d}")   # another browser
    assert elsewhere[1]["id"] != first[1]["id"]


def test_a_preview_of_a_survey_page_keeps_random_ids(site_data, clock):
    rt, records = hosted(site_data, clock, LINK.format(answer=9) + "&iterate_preview=nps", preview="nps")
    assert [r["preview"] for r in records] == [True, True]
    assert not any(link_params.is_link_id(r["id"]) or link_params.is_link_id(r["response_id"]) for r in records)


# -- the collector's database: one answer per showing and question, the latest given -----------
@pytest.fixture
def site(site_data):
    return load_site_data(site_data)


def link_answer(site, value, at, *, who="braze_id:b-1", question=0, completes=False, user=None):
    survey = site.surveys[0]
    q = survey.questions[question]
    showing = link_params.link_id("response", "shop", survey.id, who, "dispatch-7")
    return answer_record(survey, q, value, record_id=link_params.link_id("answer", "shop", survey.id, who,
                                                                         "dispatch-7", q.id, value),
                         site="shop", now=at, url=f"https://cdn.test/s/shop/nps/?answer={value}",
                         user=user or {"braze_id": who.split(":")[1]}, identities={"braze_id": who.split(":")[1]},
                         response_id=showing, completes_response=completes)


def rows(store):
    with store.engine.connect() as db:
        return [json.loads(r) for r in db.execute(sa.select(responses.c.record).order_by(responses.c.id)).scalars()]


def test_a_changed_link_answer_replaces_the_earlier_one(db_url, site):
    store = Store(db_url)
    survey = site.surveys[0]
    nine = link_answer(site, 9, 1_790_000_000.0, user={"braze_id": "b-1", "plan": "pro"})
    view = view_record(survey, record_id=link_params.link_id("view", "shop", "nps", "braze_id:b-1", "dispatch-7"),
                       site="shop", now=1_790_000_000.0, url="https://cdn.test/s/shop/nps/", preview=False,
                       response_id=nine["response_id"])
    assert store.add_records([view, nine]).stored == [view["id"], nine["id"]]
    # A reload: the same records again, later. Nothing stored, nothing replaced.
    again = store.add_records([view, {**nine, "answered_at": "2026-09-22T00:00:00.000Z"}])
    assert again.stored == [] and again.duplicates == [view["id"], nine["id"]]
    # Another answer, later: it replaces the 9 (its row, its traits), and says so.
    three = link_answer(site, 3, 1_790_000_100.0, user={"braze_id": "b-1", "plan": "free"})
    added = store.add_records([three])
    assert added.stored == [three["id"]] and added.replaced == {three["id"]: [nine["id"]]}
    assert [r["response"] for r in rows(store)] == [3]
    with store.engine.connect() as db:
        assert db.execute(sa.select(answer_traits.c.value).where(answer_traits.c.key == "plan")).scalars().all() \
            == ["free"]
    # The 9 arriving late (given before the 3: another tab's delivery) does not come back.
    late = store.add_records([nine])
    assert late.stored == [] and late.duplicates == [nine["id"]] and [r["response"] for r in rows(store)] == [3]
    # ... but the 9 given again after the 3 (the recipient changed their mind back) does.
    nine_again = {**nine, "answered_at": "2026-09-22T00:05:00.000Z"}
    assert store.add_records([nine_again]).replaced == {nine["id"]: [three["id"]]}
    assert [(r["response"], r["answered_at"]) for r in rows(store)] == [(9, "2026-09-22T00:05:00.000Z")]
    store.close()


def test_the_dashboard_counts_a_replaced_answer_once(db_url, site):
    """Views, responses, completions, the NPS distribution and choices after replacements match
    a recount of what is stored, on both databases."""
    store = Store(db_url)
    survey = site.surveys[0]
    people = [f"braze_id:b-{n}" for n in range(4)]
    for n, who in enumerate(people):
        store.add([view_record(survey, record_id=link_params.link_id("view", "shop", "nps", who, "dispatch-7"),
                               site="shop", now=1_790_000_000.0, url="https://cdn.test/s/shop/nps/", preview=False,
                               response_id=link_params.link_id("response", "shop", "nps", who, "dispatch-7")),
                   link_answer(site, 9, 1_790_000_000.0 + n, who=who)])
    # Two recipients go on to question 2 (completing), one of them twice with different words.
    store.add([link_answer(site, "fast", 1_790_000_050.0, who=people[0], question=1, completes=True)])
    store.add([link_answer(site, "quick", 1_790_000_060.0, who=people[1], question=1, completes=True)])
    store.add([link_answer(site, "slow", 1_790_000_070.0, who=people[1], question=1, completes=True)])
    # Two change their first answer (one of them after completing).
    store.add([link_answer(site, 3, 1_790_000_200.0, who=people[1])])
    store.add([link_answer(site, 0, 1_790_000_300.0, who=people[2])])
    results = compute(store, Filter("shop", survey="nps"), Catalogue({"shop": site}))
    [nps] = results.surveys
    assert (nps.views, nps.responses, nps.completed, nps.answers) == (4, 4, 2, 6)
    score = next(q for q in nps.questions if q.id == "score")
    assert dict(score.distribution)[9] == 2 and dict(score.distribution)[3] == 1 and dict(score.distribution)[0] == 1
    assert score.answers == 4
    why = next(q for q in nps.questions if q.id == "why")
    assert sorted(text for _, text in why.latest) == ["fast", "slow"]
    with store.engine.connect() as db:
        flags = db.execute(sa.select(responses.c.response_id, sa.func.sum(responses.c.opens),
                                     sa.func.sum(responses.c.closes)).group_by(responses.c.response_id)).all()
        completed = dict(db.execute(sa.select(showings.c.response_id, showings.c.completed)).all())
        assert db.execute(sa.select(sa.func.count()).select_from(response_choices)).scalar() == 0
    assert all(opens == 1 for _, opens, _ in flags)
    assert {rid: closes for rid, _, closes in flags} == completed
    store.close()


def test_a_multiple_choice_link_answer_replaced_keeps_only_its_new_choices(db_url, site):
    store = Store(db_url)
    survey = site.surveys[1]     # "manual": one multiple-choice question
    who = "braze_id:m-1"
    showing = link_params.link_id("response", "shop", survey.id, who, "")

    def pick(values, at):
        return answer_record(survey, survey.questions[0], values, site="shop", now=at, response_id=showing,
                             record_id=link_params.link_id("answer", "shop", survey.id, who, "", "pick", values),
                             completes_response=True)

    store.add([pick(["a", "b"], 1_790_000_000.0)])
    store.add([pick(["c"], 1_790_000_010.0)])
    results = compute(store, Filter("shop", survey="manual"), Catalogue({"shop": site}))
    assert dict(results.surveys[0].questions[0].choices) == {"a": 0, "b": 0, "c": 1}
    assert (results.surveys[0].responses, results.surveys[0].completed) == (1, 1)
    store.close()


# -- the relay: the new value once, the superseded one not at all ----------------------------
def test_the_relay_sends_a_changed_answer_once_and_drops_the_one_it_replaced(db_url, site):
    store = Store(db_url)
    queue = WebhookQueue(store, {}, relays={"shop": {"braze": BrazeRelay("https://braze.test", "k")}})

    def add(record):
        added = store.add_records([record])
        queue.enqueue([r for r in [record] if r["id"] in added.stored], added.replaced)

    nine = link_answer(site, 9, 1_790_000_000.0)
    add(nine)
    add({**nine, "answered_at": "2026-09-22T00:00:00.000Z"})              # a reload: nothing more
    add(link_answer(site, 3, 1_790_000_100.0))                             # changed before the 9 was sent
    add(link_answer(site, 9, 1_790_000_200.0))                             # ... and back
    sent = [(json.loads(d["payload"])["attributes"][0]["nps_score"], d["status"]) for d in queue.pending()]
    assert sent == [(9, "superseded"), (3, "superseded"), (9, "pending")]
    with store.engine.connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(deliveries)).scalar() == 3
    store.close()


# -- the collector: the bundle's own pages are never refused ------------------------------------
def test_a_site_with_origins_takes_answers_from_the_bundles_own_pages(tmp_path, site_data):
    bundle = make_bundle(tmp_path)
    manifest = bundle / "manifests" / "shop.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "base": "https://cdn.test/sondage/"}))
    running = start(bundle, port=0, db=tmp_path / "c.db",
                    config=CollectorConfig(site_origins={"shop": {"https://shop.test"}}))
    try:
        site = load_site_data(site_data)
        url = running.runtime_url + "collect"
        own = running.runtime_url.rstrip("/")          # the collector serves the bundle: its own origin

        def post(record_id, origin):
            record = answer_record(site.surveys[0], site.surveys[0].questions[0], 8, record_id=record_id,
                                   site="shop", now=1.0)
            status, headers, body = request(url, json.dumps({"records": [record]}).encode(),
                                            {"Content-Type": "application/json", "Origin": origin})
            return headers.get("access-control-allow-origin"), json.loads(body)

        assert post("from-shop-1", "https://shop.test") == ("https://shop.test", {
            "stored": ["from-shop-1"], "duplicates": [], "rejected": []})
        assert post("from-own-1", own) == (own, {"stored": ["from-own-1"], "duplicates": [], "rejected": []})
        # The URL the bundle was built for (a CDN): its frame and survey pages post from there.
        assert post("from-cdn-1", "https://cdn.test") == ("https://cdn.test", {
            "stored": ["from-cdn-1"], "duplicates": [], "rejected": []})
        allow, body = post("from-evil-1", "https://evil.test")
        assert allow is None and body["stored"] == [] and body["rejected"][0]["retry"] is True
        status, headers, _ = request(url, None, {"Origin": "https://cdn.test",
                                                 "Access-Control-Request-Method": "POST"}, method="OPTIONS")
        assert headers["access-control-allow-origin"] == "https://cdn.test"
    finally:
        running.stop()


def test_one_sites_origins_never_shut_out_another_sites_pages(tmp_path, site_data):
    """CORS cannot know a request's site, so while a served site lists no origins every page
    may post, and only the records of the site that lists them are checked (the loader posts
    stranded answers from the host page itself)."""
    bundle = make_bundle(tmp_path)
    blog = {**site_data, "site": "blog", "surveys": [{**s, "site": "blog"} for s in site_data["surveys"]]}
    (bundle / "surveys-blog.json").write_text(json.dumps(blog))
    (bundle / "manifests" / "blog.json").write_text('{"format": 1, "site": "blog", "surveys": "surveys-blog.json"}')
    running = start(bundle, port=0, db=tmp_path / "c.db",
                    config=CollectorConfig(site_origins={"shop": {"https://shop.test"}}))
    try:
        url = running.runtime_url + "collect"
        records = []
        for name in ("shop", "blog"):
            survey = load_site_data({**site_data, "site": name} if name == "shop" else blog).surveys[0]
            records.append(answer_record(survey, survey.questions[0], 8, record_id=f"{name}-from-blog-page",
                                         site=name, now=1.0))
        status, headers, body = request(url, json.dumps({"records": records}).encode(),
                                        {"Content-Type": "application/json", "Origin": "https://blog.test"})
        result = json.loads(body)
        assert headers["access-control-allow-origin"] == "*"
        assert result["stored"] == ["blog-from-blog-page"]
        assert [(r["id"], r["retry"]) for r in result["rejected"]] == [("shop-from-blog-page", True)]
        status, headers, _ = request(url, None, {"Origin": "https://blog.test",
                                                 "Access-Control-Request-Method": "POST"}, method="OPTIONS")
        assert headers["access-control-allow-origin"] == "*"
    finally:
        running.stop()


# -- the runtime: an answer refused for where it comes from is kept --------------------------
def test_an_answer_refused_for_its_page_is_kept_and_sent_again_with_one_warning():
    d = Delivery("https://c.test/collect")
    d.add({"id": "kept-0001", "site": "shop"})
    d.add({"id": "poison-01", "site": "shop"})
    reason = "site 'shop' takes answers from ['https://shop.test'] ..., not from 'https://x.test'"
    body = {"stored": [], "duplicates": [],
            "rejected": [{"index": 0, "id": "kept-0001", "reason": reason, "retry": True},
                         {"index": 1, "id": "poison-01", "reason": "records[1].x: bad"}]}
    waits = []
    warnings = []
    for attempt in range(4):
        effects = d.result(["kept-0001", "poison-01"] if attempt == 0 else ["kept-0001"], 200, body, None,
                           100.0 * attempt, 0.5)
        waits += [e["after"] for e in of(effects, "wake")]
        warnings += [e["message"] for e in of(effects, "console")]
    assert [r["id"] for r in d.outbox.items] == ["kept-0001"]             # kept; the bad record dropped
    assert waits == sorted(waits) and waits[-1] > waits[0]                # sent again, backing off
    kept = [w for w in warnings if "kept in this browser" in w]
    assert len(kept) == 1 and "Add this page's origin to the site's `origins`" in kept[0] and reason in kept[0]
    assert sum("refused 1 answer(s) for good" in w for w in warnings) == 1
    # Once the collector takes it (the site's origins fixed), it is done.
    d.result(["kept-0001"], 200, {"stored": ["kept-0001"], "duplicates": [], "rejected": []}, None, 500.0, 0.5)
    assert d.outbox.items == []
