"""The runtime as the page sees it: commands in, effects out."""

import itertools

from runtime.embed import Runtime

_IDS = itertools.count()     # unique across runtimes, as random ids are in a browser


def new_runtime(site_data, clock, storage=None, preview=None, collector="https://c.test/collect",
                started=True):
    """A runtime after its start (``started=False``: still taking in its start-up queue)."""
    rt = Runtime(clock=clock, new_id=lambda: f"rec{next(_IDS):08d}")
    effects = rt.handle({"type": "init", "site_data": site_data, "collector": collector,
                         "preview": preview, "page": {"url": "https://shop.test/p"},
                         "storage": storage or {}})
    if started:
        effects += rt.handle({"type": "started"})
    return rt, effects


def of(effects, kind):
    return [e for e in effects if e["type"] == kind]


def answers(deliver):
    """The answer records of a deliver effect (a batch may also carry the showing's view)."""
    return [r for r in deliver["records"] if r.get("kind") != "view"]


def ui(rt, action, question_id, **extra):
    return rt.handle({"type": "ui", "survey_id": rt.screen.survey.id if rt.screen.survey else "?",
                      "question_id": question_id, "action": action, **extra})


def test_event_shows_the_survey_and_tells_the_host(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    effects = rt.command("event", ["bought"])
    [mount] = of(effects, "mount")
    assert "How likely?" in mount["html"] and mount["survey_id"] == "nps"
    names = [(e["name"], e["args"][0]) for e in of(effects, "callback")]
    assert ("onLoad", {"id": "nps", "title": "NPS"}) in names
    assert ("onEvent", "displayed") in names


def test_other_events_show_nothing(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    assert rt.command("event", ["viewed"]) == []


def test_answer_is_stored_durably_before_it_is_sent(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    rt.command("identify", [{"external_id": "u-1", "plan": "pro"}, {"order": "A12"}])
    rt.command("event", ["bought"])
    effects = ui(rt, "answer", "score", value="9")
    kinds = [e["type"] for e in effects]
    assert kinds.index("store") < kinds.index("deliver")
    [deliver] = of(effects, "deliver")
    [record] = answers(deliver)
    assert record["survey_id"] == "nps" and record["question"] == "How likely?"
    assert record["label"] == "nps_score" and record["response"] == 9
    assert record["response_int"] == 9 and record["response_string"] == "9"
    assert record["user"] == {"external_id": "u-1", "plan": "pro"}
    assert record["response_properties"] == {"order": "A12"}
    assert record["url"] == "https://shop.test/p" and record["preview"] is False
    [cb] = [e for e in of(effects, "callback") if e["name"] == "onResponse"]
    assert cb["args"] == [{"value": 9}, {"id": "score", "prompt": "How likely?"}, {"id": "nps", "title": "NPS"}]
    assert "Why?" in of(effects, "mount")[0]["html"]   # next question


def test_invalid_answer_rerenders_with_a_message(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    rt.command("event", ["bought"])
    effects = ui(rt, "answer", "score", value="11")
    assert of(effects, "deliver") == []
    assert "choose a number from 0 to 10" in of(effects, "mount")[0]["html"]


def test_last_answer_thanks_and_completes_then_close(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    rt.command("event", ["bought"])
    [first] = of(ui(rt, "answer", "score", value="3"), "deliver")
    rt.handle({"type": "delivered", "ids": [r["id"] for r in first["records"]]})
    effects = ui(rt, "submit", "why", values=["  too slow  "])
    assert "Thank you for your feedback!" in of(effects, "mount")[0]["html"]
    assert ("onEvent", "survey-complete") in [(e["name"], e["args"][0]) for e in of(effects, "callback")]
    assert of(effects, "deliver")[0]["records"][0]["response"] == "too slow"
    closed = rt.handle({"type": "ui", "survey_id": "nps", "action": "close"})
    assert of(closed, "unmount")
    dismiss = [e for e in of(closed, "callback") if e["name"] == "onEvent"][0]
    assert dismiss["args"][1]["progress"] == {"completed": 2, "total": 2}


def test_once_survey_not_shown_again_after_reload(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    effects = rt.command("event", ["bought"])
    rt.handle({"type": "ui", "survey_id": "nps", "action": "close"})   # a dismissal counts as seen
    storage = {e["key"]: e["value"] for e in of(effects, "store")}
    rt2, _ = new_runtime(site_data, clock, storage=storage)
    assert of(rt2.command("event", ["bought"]), "mount") == []


def test_one_survey_at_a_time(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    rt.command("event", ["bought"])
    assert of(rt.command("install", ["manual"]), "mount") == []


def test_failed_delivery_backs_off_and_survives_reload(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    rt.command("event", ["bought"])
    effects = ui(rt, "answer", "score", value="7")
    storage = {e["key"]: e["value"] for e in of(effects, "store")}
    failed = rt.handle({"type": "undelivered"})
    [first] = of(failed, "wake")
    assert first["type"] == "wake" and 1.0 <= first["after"] <= 3.0      # 2 s, spread by jitter
    # The stored outbox says when, for a loader that delivers it without the runtime.
    [saved] = of(failed, "store")
    assert saved["value"]["plan"]["not_before"] == (clock.now + first["after"]) * 1000
    # Too early: it waits again, not forever (this first wake also writes the hint's plans).
    [again] = of(rt.handle({"type": "wake"}), "wake")
    assert again["type"] == "wake" and abs(again["after"] - first["after"]) < 1e-6
    clock.now += first["after"] - 0.0004                # a timer a fraction of a millisecond early
    [again] = rt.handle({"type": "wake"})
    assert again["type"] == "wake" and 0 < again["after"] <= 0.001
    clock.now += 0.0004
    assert of(rt.handle({"type": "wake"}), "deliver")
    [second] = of(rt.handle({"type": "undelivered"}), "wake")
    assert 2.0 <= second["after"] <= 6.0
    # Back online: sent at once, not after the backoff.
    assert of(rt.handle({"type": "online"}), "deliver")
    assert rt.handle({"type": "online"}) == []         # one request in flight at a time
    # The visitor reloads before it got through: the answer is sent on the next start.
    rt2, start = new_runtime(site_data, clock, storage=storage)
    [deliver] = of(start, "deliver")
    assert answers(deliver)[0]["response"] == 7


def test_preview_shows_draft_marks_answers_and_keeps_no_history(site_data, clock):
    rt, _ = new_runtime(site_data, clock, preview="draft")
    effects = rt.command("event", ["bought"])
    mount = of(effects, "mount")[0]
    assert mount["survey_id"] == "draft" and "data-preview" in mount["html"]
    effects = ui(rt, "answer", "q", value="x")
    assert of(effects, "deliver")[0]["records"][0]["preview"] is True
    assert {e["key"]: e["value"] for e in of(effects, "store")}["sondage:v1:shop:history"]["shown"] == {}


def test_unknown_preview_id_and_unknown_commands_warn(site_data, clock):
    _, effects = new_runtime(site_data, clock, preview="nope")
    assert "iterate_preview='nope' names no survey" in of(effects, "console")[0]["message"]
    rt, _ = new_runtime(site_data, clock)
    [w] = rt.command("explode", [])
    assert w["type"] == "console" and "Iterate('explode')" in w["message"]
    [w] = rt.command("event", [42])
    assert "needs the event name" in w["message"]
    [w] = rt.command("install", ["missing"])
    assert "no such survey" in w["message"]
    [w] = rt.command("identify", ["not an object"])
    assert "needs an object" in w["message"]


def test_survey_text_is_escaped(site_data, clock):
    site_data["surveys"][0]["questions"][0]["prompt"] = '<img src=x onerror="alert(1)">'
    rt, _ = new_runtime(site_data, clock)
    html = of(rt.command("event", ["bought"]), "mount")[0]["html"]
    assert "<img" not in html and "&lt;img src=x" in html


def test_install_without_id_is_a_page_view(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    assert of(rt.command("install", []), "mount")[0]["survey_id"] == "welcome"


def test_no_collector_means_no_delivery_but_answers_kept(site_data, clock):
    rt, _ = new_runtime(site_data, clock, collector=None)
    rt.command("event", ["bought"])
    effects = ui(rt, "answer", "score", value="10")
    assert of(effects, "deliver") == [] and rt.visit.delivery.outbox.items


def test_visitor_hint_drops_surveys_this_visitor_will_not_see_again(site_data, clock):
    ids = iter(range(10))
    rt = Runtime(clock=clock, new_id=lambda: f"rec{next(ids):08d}")
    effects = rt.handle({"type": "init", "site_data": site_data, "data_id": "sites/shop-abc.json",
                         "page": {}, "storage": {}})
    hint = {e["key"]: e["value"] for e in of(effects, "store")}["sondage:v1:shop:hint"]
    assert hint["data"] == "sites/shop-abc.json"
    assert (hint["events"], hint["page_view"]) == (["bought"], True)
    assert hint["page_view_survey"]["id"] == "welcome" and "Rate us" in hint["page_view_survey"]["html"]
    effects = rt.command("event", ["bought"])       # "nps" is once: seen now
    hint = {e["key"]: e["value"] for e in of(effects, "store")}["sondage:v1:shop:hint"]
    assert (hint["events"], hint["page_view"]) == ([], True)


def test_survey_shown_ahead_is_confirmed_with_the_same_html(site_data, clock):
    from runtime.hints import hint
    from runtime.survey_format import load_site_data
    ahead = hint(load_site_data(site_data).surveys)["page_view_survey"]
    rt, _ = new_runtime(site_data, clock)
    rt.screen.show_ahead(ahead["id"])
    [mount] = of(rt.command("install", []), "mount")
    assert mount["html"] == ahead["html"]          # the frame keeps what it shows
    assert rt.screen.ahead_id is None and rt.screen.state == "question"


def test_survey_shown_ahead_is_removed_when_the_runtime_disagrees(site_data, clock):
    site_data["surveys"][2]["frequency"] = "once"
    storage = {"sondage:shop:history": {"shown": {"welcome": 1.0}}}   # a stale hint showed it
    rt, _ = new_runtime(site_data, clock, storage=storage)
    rt.screen.show_ahead("welcome")
    effects = rt.command("install", [])
    assert effects[0] == {"type": "unmount"} and not of(effects, "mount")


def test_an_event_survey_shown_ahead_waits_for_its_event_then_is_confirmed_or_removed(site_data, clock):
    from runtime.hints import event_ahead_file, hint
    from runtime.survey_format import load_site_data
    site_data["surveys"] = [s for s in site_data["surveys"] if s["id"] != "welcome"]   # no page-view survey
    surveys = load_site_data(site_data).surveys
    assert hint(surveys)["event_surveys"] == {"bought": "nps"}
    ahead = event_ahead_file(surveys)["nps"]
    rt, _ = new_runtime(site_data, clock)
    rt.screen.show_ahead("nps", "event:bought")
    # The page view (queued first) does not remove what waits for the event.
    assert of(rt.command("install", []), "unmount") == [] and rt.screen.state == "ahead"
    [mount] = of(rt.command("event", ["bought"]), "mount")
    assert mount["html"] == ahead["html"] and rt.screen.state == "question"      # the frame keeps it
    # Another visitor has seen it already (a stale hint showed it): the event removes it.
    storage = {"sondage:shop:history": {"shown": {"nps": 1.0}}}
    rt, _ = new_runtime(site_data, clock, storage=storage)
    rt.screen.show_ahead("nps", "event:bought")
    effects = rt.command("event", ["bought"])
    assert effects[-1] == {"type": "unmount"} and not of(effects, "mount")
    # As the loader starts it: the init names the event the survey shown ahead waits for.
    rt = Runtime(clock=clock, new_id=lambda: f"rec{next(_IDS):08d}")
    rt.handle({"type": "init", "site_data": site_data, "page": {}, "storage": {}, "shown_ahead": "nps",
               "ahead_event": "bought"})
    assert of(rt.command("install", []), "unmount") == [] and rt.screen.state == "ahead"
    assert of(rt.command("event", ["bought"]), "mount") and rt.screen.state == "question"
    # The event never came (the queue ended): it is removed too.
    rt, _ = new_runtime(site_data, clock)
    rt.screen.show_ahead("nps", "event:bought")
    assert rt.handle({"type": "started"}) == [{"type": "unmount"}]


def test_site_cooldown_keeps_a_second_survey_away(site_data, clock):
    site_data["settings"] = {"cooldown_hours": 72}
    rt, _ = new_runtime(site_data, clock)
    rt.command("event", ["bought"])
    rt.handle({"type": "ui", "survey_id": "nps", "action": "close"})
    assert of(rt.command("install", []), "mount") == []          # "welcome" waits 72 h
    clock.now += 73 * 3600
    assert of(rt.command("install", []), "mount")[0]["survey_id"] == "welcome"


def test_seconds_trigger_waits_then_shows_and_a_page_change_restarts_the_wait(site_data, clock):
    site_data["surveys"].append({"id": "later", "site": "shop", "name": "Later", "frequency": "always",
                                 "trigger": {"type": "seconds", "seconds": 30},
                                 "questions": [{"id": "q", "type": "text", "prompt": "Still here?"}]})
    site_data["surveys"] = [s for s in site_data["surveys"] if s["id"] != "welcome"]
    rt, _ = new_runtime(site_data, clock)
    assert rt.command("install", []) == [{"type": "wake", "after": 30.0}]
    clock.now += 20
    assert rt.handle({"type": "page", "url": "https://shop.test/other"}) == [{"type": "wake", "after": 30.0}]
    clock.now += 15                                   # 35 s since install, 15 s on this page
    assert of(rt.handle({"type": "wake"}), "mount") == []
    clock.now += 15 - 0.0006                          # the browser's timer fires a hair early
    [mount] = of(rt.handle({"type": "wake"}), "mount")
    assert mount["survey_id"] == "later"


def test_scroll_and_exit_intent_after_install(site_data, clock):
    site_data["surveys"] = [
        {"id": "deep", "site": "shop", "name": "Deep", "trigger": {"type": "scroll", "percent": 70},
         "questions": [{"id": "q", "type": "text", "prompt": "Found it?"}]},
        {"id": "leaving", "site": "shop", "name": "Leaving", "trigger": {"type": "exit_intent"},
         "questions": [{"id": "q", "type": "text", "prompt": "Why leave?"}]}]
    rt, _ = new_runtime(site_data, clock)
    assert rt.handle({"type": "scroll", "percent": 90}) == []     # not installed yet
    rt.command("install", [])
    assert of(rt.handle({"type": "scroll", "percent": 50}), "mount") == []
    assert of(rt.handle({"type": "scroll", "percent": 70}), "mount")[0]["survey_id"] == "deep"
    rt.handle({"type": "ui", "survey_id": "deep", "action": "close"})
    assert of(rt.handle({"type": "exit_intent"}), "mount")[0]["survey_id"] == "leaving"


def test_another_tabs_history_is_merged(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    effects = rt.handle({"type": "storage", "key": "sondage:v1:shop:history",
                         "value": {"shown": {"nps": clock.now}, "responded": {}}})
    assert effects[0]["key"] == "sondage:v1:shop:hint"
    assert of(rt.command("event", ["bought"]), "mount") == []      # seen in the other tab


def test_visitor_id_is_created_once_and_kept(site_data, clock):
    rt, effects = new_runtime(site_data, clock)
    stored = {e["key"]: e["value"] for e in of(effects, "store")}
    visitor = stored["sondage:v1:shop:visitor"]
    rt2, effects2 = new_runtime(site_data, clock, storage={"sondage:v1:shop:visitor": visitor})
    assert rt2.visit.visitor.id == visitor
    assert "sondage:v1:shop:visitor" not in {e["key"] for e in of(effects2, "store")}


def test_debug_explains_each_survey(site_data, clock):
    site_data["surveys"][0]["audience"] = {"identified": True}
    rt, _ = new_runtime(site_data, clock)
    [report] = rt.command("debug", [])
    assert report["type"] == "console"
    text = report["message"]
    assert "nps [event 'bought']: not shown: audience: identified visitors only" in text
    assert "welcome [page view]: shows: eligible" in text
    assert "draft [event 'bought']: not shown: the survey is a draft" in text
    assert "manual [manual]: shows" in text


def test_event_properties_reach_the_trigger(site_data, clock):
    site_data["surveys"][0]["trigger"] = {"event": "bought", "properties": {"rules": [
        {"key": "total", "op": "greater_than", "value": 100}]}}
    rt, _ = new_runtime(site_data, clock)
    assert of(rt.command("event", ["bought", {"total": 20}]), "mount") == []
    assert of(rt.command("event", ["bought", {"total": 120}]), "mount")
    [w] = rt.command("event", ["bought", "big"])
    assert "needs an object of properties" in w["message"]


def test_answers_of_two_tabs_are_never_lost(site_data, clock):
    """Two tabs answer while offline; a third page view later sends both answers."""
    storage: dict = {}

    def apply(effects):
        for e in of(effects, "store"):
            if e["value"] is None:
                storage.pop(e["key"], None)
            else:
                storage[e["key"]] = e["value"]

    tab_a, start_a = new_runtime(site_data, clock, storage=dict(storage))
    apply(start_a)
    tab_b, start_b = new_runtime(site_data, clock, storage=dict(storage))
    apply(start_b)
    tab_a.command("install", ["manual"])
    apply(ui(tab_a, "submit", "pick", values=["a"]))
    tab_b.command("install", ["manual"])
    apply(ui(tab_b, "submit", "pick", values=["b"]))
    tab_a.handle({"type": "undelivered"})
    tab_b.handle({"type": "undelivered"})
    # Both tabs are closed; a later page view finds both answers and sends them.
    later, effects = new_runtime(site_data, clock, storage=dict(storage))
    [deliver] = of(effects, "deliver")
    assert sorted(r["response"] for r in answers(deliver)) == ["a", "b"]
    apply(effects)
    assert len([k for k in storage if k.startswith("sondage:v1:shop:outbox")]) == 1


def test_exit_intent_is_a_desktop_trigger(site_data, clock):
    site_data["surveys"] = [{"id": "leaving", "site": "shop", "name": "Leaving",
                             "trigger": {"type": "exit_intent"},
                             "questions": [{"id": "q", "type": "text", "prompt": "Why leave?"}]}]
    ids = iter(range(100))
    rt = Runtime(clock=clock, new_id=lambda: f"id{next(ids):08d}")
    rt.handle({"type": "init", "site_data": site_data, "storage": {},
               "page": {"url": "https://shop.test/", "touch_points": 5,
                        "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148"}})
    rt.command("install", [])
    assert of(rt.handle({"type": "exit_intent"}), "mount") == []
    [report] = rt.command("debug", [])
    assert "exit intent is a desktop trigger (this is mobile)" in report["message"]


def test_a_misuse_is_warned_about_once_however_often_it_is_made(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    first = rt.command("uninstall", ["extra"])
    assert [e["message"] for e in first] == [
        "Sondage: Iterate('uninstall') takes at most 0 argument(s), got 1; ignored"]
    assert rt.command("uninstall", ["extra"]) == [] and rt.command("uninstall", ["other"]) == []
    assert len(rt.command("event", [])) == 1              # another mistake is said, once


def test_answers_wait_for_the_vendor_ids_then_carry_them(site_data, clock):
    """A click made the moment the survey shows (before the page's SDKs said who the
    visitor is) is stored at once, sent only once the ids are in, and carries them."""
    site_data["settings"]["forward"] = {"braze": True, "clevertap": True}
    rt, _ = new_runtime(site_data, clock)
    shown = rt.command("event", ["bought"])
    [queries] = of(shown, "sdk")
    assert {c["reply"] for c in queries["calls"]} == {"braze_external_id", "braze_device_id", "clevertap_id"}
    answered = ui(rt, "answer", "score", value="9")
    assert of(answered, "store") and not of(answered, "deliver")            # stored, held
    assert rt.handle({"type": "sdk_reply", "name": "braze_external_id", "value": "user-42"}) == []
    assert rt.handle({"type": "sdk_reply", "name": "braze_device_id", "value": None}) == []
    last = rt.handle({"type": "sdk_reply", "name": "clevertap_id", "value": "ct-7"})
    [deliver] = of(last, "deliver")
    assert answers(deliver)[0]["identities"] == {"braze_external_id": "user-42", "clevertap_id": "ct-7"}
    # No page SDK ever answers: the answers go anyway after the wait.
    rt, _ = new_runtime(site_data, clock)
    [wake] = of(rt.command("event", ["bought"]), "wake")
    assert not of(ui(rt, "answer", "score", value="3"), "deliver")
    clock.now += wake["after"]
    assert of(rt.handle({"type": "wake"}), "deliver")


def test_answers_to_an_event_survey_wait_for_an_identify_that_follows_the_event(site_data, clock):
    """Segment's destination delivers the page's buffered identify after its event: an answer
    given in between is stored at once, sent once the identify came, and carries its traits."""
    rt, _ = new_runtime(site_data, clock, started=False)     # the event is in the start-up queue
    shown = rt.command("event", ["bought"])
    assert {"type": "wake", "after": 5.0} in shown
    answered = ui(rt, "answer", "score", value="9")
    assert of(answered, "store") and not of(answered, "deliver")
    [deliver] = of(rt.command("identify", [{"plan": "pro", "external_id": "u-1"}]), "deliver")
    assert answers(deliver)[0]["user"] == {"plan": "pro", "external_id": "u-1"}
    # No identify ever comes: the answer goes when the moment is over.
    rt, _ = new_runtime(site_data, clock, started=False)
    rt.command("event", ["bought"])
    assert not of(ui(rt, "answer", "score", value="4"), "deliver")
    clock.now += 5.0
    [deliver] = of(rt.handle({"type": "wake"}), "deliver")
    assert answers(deliver)[0]["user"] == {}
    # Identified before the event, or an event after the start (the page's own order): nothing waits.
    rt, _ = new_runtime(site_data, clock)
    [deliver] = of(rt.command("event", ["bought"]) and ui(rt, "answer", "score", value="2"), "deliver")
    rt, _ = new_runtime(site_data, clock, started=False)
    rt.command("identify", [{"plan": "team"}])
    rt.command("event", ["bought"])
    [deliver] = of(ui(rt, "answer", "score", value="7"), "deliver")
    assert answers(deliver)[0]["user"] == {"plan": "team"}


def test_a_showing_is_recorded_as_a_view_that_says_nothing_of_the_visitor(site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    rt.handle({"type": "page", "url": "https://shop.test/p?email=a@b.test#top"})
    rt.command("identify", [{"external_id": "u-1", "email": "a@b.test"}])
    shown = rt.command("event", ["bought"])
    assert not of(shown, "deliver")            # stored with the outbox, sent with the first answer ...
    closed = ui(rt, "close", "score")          # ... or when the visitor closes the survey unanswered
    [deliver] = of(closed, "deliver")
    [view] = deliver["records"]
    assert view["kind"] == "view" and view["survey_id"] == "nps" and view["preview"] is False
    assert view["url"] == "https://shop.test/p"                      # no query, no fragment
    assert len(view["response_id"]) >= 8                           # shared with the showing's answers
    assert not {"user", "identities", "response_properties", "email"} & set(view)
    assert "u-1" not in str(view) and "a@b.test" not in str(view)


def test_a_previewed_survey_shows_in_the_look_the_gallery_asks_for(site_data, clock):
    rt = Runtime(clock=clock, new_id=lambda: f"rec{next(_IDS):08d}")
    rt.handle({"type": "init", "site_data": site_data, "collector": None, "preview": "nps", "look": "inline.dark",
               "page": {"url": "https://shop.test/p"}, "storage": {}})
    rt.handle({"type": "started"})
    [mount] = of(rt.command("event", ["bought"]), "mount")
    assert mount["position"] == "inline" and "#sondage-stage-slot" in str(mount["placement"])
    assert 'data-theme="dark"' in mount["html"]
    # Outside preview, or with a look that is not one, the survey's own look is used.
    rt, _ = new_runtime(site_data, clock)
    rt.handle({"type": "init", "site_data": site_data, "collector": None, "look": "inline.dark",
               "page": {"url": "https://shop.test/p"}, "storage": {}})
    assert of(rt.command("event", ["bought"]), "mount")[0]["position"] == "bottom-right"
    bad = Runtime(clock=clock, new_id=lambda: f"rec{next(_IDS):08d}")
    warned = bad.handle({"type": "init", "site_data": site_data, "collector": None, "preview": "nps",
                         "look": "sideways", "page": {"url": "https://shop.test/p"}, "storage": {}})
    assert any("iterate_look: position 'sideways' is not one of bottom-right" in e["message"]
               for e in of(warned, "console"))
