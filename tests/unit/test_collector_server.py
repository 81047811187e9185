"""The collector and the bundle server, over real HTTP on 127.0.0.1."""

import gzip
import json
import urllib.error
import urllib.request

import brotli
import pytest

from runtime import protocol
from runtime.records import answer_record
from runtime.survey_format import load_site_data
from sondage.collector.config import CollectorConfig
from sondage.collector.database import Store
from sondage.collector.intake import CollectorError, parse_body
from sondage.collector.server import start
from tests.unit.conftest import make_site_data


@pytest.fixture
def record(site_data):
    survey = load_site_data(site_data).surveys[0]
    return answer_record(survey, survey.questions[0], 8, record_id="rec-000001", site="shop", now=1.0)


def make_bundle(tmp_path):
    bundle = tmp_path / "dist"
    if bundle.exists():
        return bundle
    (bundle / "manifests").mkdir(parents=True)
    (bundle / "loader.js").write_text("/* loader */ " + "x" * 2000)
    (bundle / "manifests" / "shop.json").write_text('{"format": 1, "site": "shop", "surveys": "surveys-shop.json"}')
    (bundle / "surveys-shop.json").write_text(json.dumps(make_site_data()))
    (bundle / "worker-0123456789ab.mjs").write_text("export {};")
    (bundle / "pyodide-0123456789ab").mkdir()
    (bundle / "pyodide-0123456789ab" / "pyodide.asm.wasm").write_bytes(b"\0asm" + bytes(5000))
    return bundle


@pytest.fixture
def server(tmp_path, db_url):
    bundle = make_bundle(tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<head><!-- sondage:snippet --></head><a href='%%RUNTIME_URL%%'>")
    running = start(bundle, port=0, demo_port=0, db=db_url, demo=site,
                    config=CollectorConfig(admin_token="t0ken-for-tests"))
    yield running
    running.stop()


def request(url, data=None, headers=None, method=None):
    """(status, headers with lower-case names, body)."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def post(url, body):
    return request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})


def test_parse_body_names_the_bad_record_field(record):
    assert parse_body(json.dumps({"records": [record]}).encode())[0]["id"] == "rec-000001"
    with pytest.raises(CollectorError, match=r"records\[1\]\.response_int: must be a whole number"):
        parse_body(json.dumps({"records": [record, {**record, "response_int": 1.5}]}).encode())
    with pytest.raises(CollectorError, match="not JSON"):
        parse_body(b"{")
    with pytest.raises(CollectorError, match="1 to 100 records"):
        parse_body(json.dumps({"records": []}).encode())


def test_store_dedupes_by_id(db_url, record):
    store = Store(db_url)
    assert store.add([record]) == (["rec-000001"], [])
    assert store.add([record, {**record, "id": "rec-000002"}]) == (["rec-000002"], ["rec-000001"])
    assert [r["id"] for r in store.list()] == ["rec-000002", "rec-000001"]
    store.close()
    again = Store(db_url)
    assert len(again.list()) == 2     # it is on disk
    again.close()


def auth(token="t0ken-for-tests"):
    return {"Authorization": f"Bearer {token}"}


def test_collect_endpoint(server, record):
    url = server.runtime_url + "collect"
    status, headers, body = post(url, {"records": [record]})
    assert status == 200 and json.loads(body) == {"stored": ["rec-000001"], "duplicates": [], "rejected": []}
    assert headers["access-control-allow-origin"] == "*"       # no site names its origins here
    assert json.loads(post(url, {"records": [record]})[2])["duplicates"] == ["rec-000001"]
    status, _, _ = request(url, b"x" * (300 * 1024), {"Content-Type": "application/json"})
    assert status == 413
    status, _, body = request(url, b"{nope", {"Content-Type": "application/json"})
    assert status == 400 and "not JSON" in json.loads(body)["error"]
    status, headers, _ = request(url, method="OPTIONS")
    assert status == 204 and "content-type" in headers["access-control-allow-headers"]


def test_a_poison_record_does_not_hold_back_the_others(server, record):
    """One bad record in a batch is refused on its own, with its field; the rest are stored."""
    batch = [{**record, "id": "good-0000001"}, {**record, "id": "poison-00001", "user": {"x": "y" * 5000}},
             {**record, "id": "good-0000002"}]
    status, _, body = post(server.runtime_url + "collect", {"records": batch})
    result = json.loads(body)
    assert status == 200 and result["stored"] == ["good-0000001", "good-0000002"]
    [rejected] = result["rejected"]
    assert rejected["id"] == "poison-00001" and rejected["index"] == 1
    assert "user.x: text values are at most 1000 characters" in rejected["reason"]
    # The reply's shape is protocol's, which the runtime and the loader's delivery plan read.
    assert set(result) == set(protocol.CollectorReply.__annotations__)
    assert set(rejected) <= set(protocol.Refusal.__annotations__)


def test_reading_answers_needs_the_admin_token(server, record):
    post(server.runtime_url + "collect", {"records": [record]})
    for path in ("responses.json", "responses", "export?format=csv"):
        status, headers, _ = request(server.runtime_url + path)
        assert status == 401 and "access-control-allow-origin" not in headers
        assert request(server.runtime_url + path, headers=auth("wrong"))[0] == 401
    status, headers, body = request(server.runtime_url + "responses.json", headers=auth())
    assert status == 200 and [r["response"] for r in json.loads(body)["records"]] == [8]
    assert "access-control-allow-origin" not in headers          # no other page may read them
    page = request(server.runtime_url + "responses?token=t0ken-for-tests")[2].decode()
    assert "How likely?" in page and "1 answer " in page
    status, headers, body = request(server.runtime_url + "export?format=csv&survey=nps", headers=auth())
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert body.decode("utf-8-sig").splitlines()[0].startswith("answered_at,site,survey_id,survey_name")
    assert request(server.runtime_url + "export?format=xml", headers=auth())[0] == 400


def test_rate_limit_answers_429_with_retry_after(tmp_path, record):
    bundle = make_bundle(tmp_path)
    running = start(bundle, port=0, db=tmp_path / "r.db",
                    config=CollectorConfig(admin_token="x", rate_burst=2, rate_per_second=0.25))
    try:
        url = running.runtime_url + "collect"
        assert post(url, {"records": [record]})[0] == 200
        assert post(url, {"records": [record]})[0] == 200
        status, headers, body = post(url, {"records": [record]})
        assert status == 429 and int(headers["retry-after"]) >= 1 and "too many" in json.loads(body)["error"]
    finally:
        running.stop()


def test_cors_only_for_the_sites_origins(tmp_path, record):
    bundle = make_bundle(tmp_path)
    running = start(bundle, port=0, db=tmp_path / "c.db",
                    config=CollectorConfig(site_origins={"shop": {"https://shop.test"}}))
    try:
        url = running.runtime_url + "collect"
        status, headers, body = request(url, json.dumps({"records": [record]}).encode(),
                                        {"Content-Type": "application/json", "Origin": "https://shop.test"})
        assert headers["access-control-allow-origin"] == "https://shop.test"
        assert json.loads(body)["stored"] == ["rec-000001"]
        status, headers, body = request(url, json.dumps({"records": [{**record, "id": "rec-000002"}]}).encode(),
                                        {"Content-Type": "application/json", "Origin": "https://evil.test"})
        assert "access-control-allow-origin" not in headers
        [refused] = json.loads(body)["rejected"]
        assert "takes answers from ['https://shop.test'] (its origins in sites.yaml)" in refused["reason"]
        assert "not from 'https://evil.test'" in refused["reason"] and refused["retry"] is True
        assert set(refused) <= set(protocol.Refusal.__annotations__)
    finally:
        running.stop()


def test_static_files_are_served_like_a_cdn(server):
    status, h, body = request(server.runtime_url + "pyodide-0123456789ab/pyodide.asm.wasm",
                              headers={"Accept-Encoding": "br"})
    assert status == 200 and h["content-type"] == "application/wasm"
    assert h["content-encoding"] == "br" and brotli.decompress(body)[:4] == b"\0asm"
    assert h["cache-control"] == "public, max-age=31536000, immutable"
    assert h["access-control-allow-origin"] == "*"
    status, h, body = request(server.runtime_url + "loader.js", headers={"Accept-Encoding": "gzip"})
    assert h["content-type"].startswith("text/javascript") and h["content-encoding"] == "gzip"
    assert "max-age=60" in h["cache-control"] and gzip.decompress(body).startswith(b"/* loader */")
    status, _, _ = request(server.runtime_url + "loader.js",
                           headers={"Accept-Encoding": "gzip", "If-None-Match": h["etag"]})
    assert status == 304
    assert request(server.runtime_url + "manifests/shop.json")[1]["cache-control"].startswith("public, max-age=60")
    assert request(server.runtime_url + "../../etc/passwd")[0] == 404
    assert request(server.runtime_url + "missing.js")[0] == 404


def test_demo_site_has_the_snippet_pointing_at_the_runtime_origin(server):
    page = request(server.site_url)[2].decode()
    assert "window.iterateSettings" in page and f'"{server.runtime_url}loader.js"' in page
    assert server.site_url.startswith("http://127.0.0.1:") and server.runtime_url.startswith("http://localhost:")


def test_records_are_checked_against_the_surveys_the_collector_serves(server, record):
    """Unknown site, survey or question, a score outside the scale, a choice that is not one:
    each refused naming its field, nothing of it stored; the good record beside them is."""
    bad = {
        "site-0000001": ({"site": "elsewhere"}, "records[0].site: this collector serves no site 'elsewhere'"),
        "survey-00001": ({"survey_id": "ghost"}, "records[1].survey_id: site 'shop' has no survey 'ghost'"),
        "question-001": ({"question_id": "nope"}, "records[2].question_id: survey 'nps' has no question 'nope'"),
        "nps-99-00001": ({"response": 99, "response_int": 99, "response_string": "99"},
                         "records[3].response_int: 99 does not answer question 'score' (nps)"),
        "choice-00001": ({"survey_id": "manual", "question_id": "pick", "response": "z", "response_int": None,
                          "response_string": None, "response_array": ["a", "z"]},
                         "records[4].response_array: ['a', 'z'] does not answer question 'pick'"),
    }
    batch = [{**record, "id": rid, **change} for rid, (change, _) in bad.items()]
    batch.append({**record, "id": "good-0000009"})
    status, _, body = post(server.runtime_url + "collect", {"records": batch})
    result = json.loads(body)
    assert status == 200 and result["stored"] == ["good-0000009"]
    reasons = {r["id"]: r["reason"] for r in result["rejected"]}
    for rid, (_, reason) in bad.items():
        assert reasons[rid].startswith(reason), reasons[rid]
    assert [r["id"] for r in server.store.list()] == ["good-0000009"]


def test_a_lone_surrogate_or_nul_is_stored_and_every_page_still_answers(server, record):
    """Valid JSON no database or UTF-8 page can hold ("x\\ud800y", NUL) is stored with U+FFFD,
    and the answers page, the JSON and the CSV export keep working for everyone."""
    text = json.dumps({"records": [{**record, "id": "surrogate-01", "user": {"plan": "x\ud800y\u0000"},
                                    "response_properties": {"\udfff": "z"}}]})
    status, _, body = request(server.runtime_url + "collect", text.encode(), {"Content-Type": "application/json"})
    assert status == 200 and json.loads(body)["stored"] == ["surrogate-01"], body
    [stored] = server.store.list()
    assert stored["user"]["plan"] == "x\ufffdy\ufffd" and stored["response_properties"] == {"\ufffd": "z"}
    for path in ("responses?token=t0ken-for-tests", "responses.json?token=t0ken-for-tests",
                 "export?format=csv&token=t0ken-for-tests", "export?format=ndjson&token=t0ken-for-tests"):
        status, _, body = request(server.runtime_url + path, headers=auth())
        assert status == 200, path
        body.decode("utf-8")


def test_the_results_pages_refuse_what_they_cannot_show_and_name_it(server, tmp_path, db_url):
    base = server.runtime_url
    status, _, body = request(f"{base}gallery?site=nope&token=t0ken-for-tests")
    assert status == 404 and b"site: no site 'nope' in this bundle (known: shop)" in body
    status, _, body = request(f"{base}_sondage/stage/nope.html")
    assert status == 404 and b"no site 'nope'" in body
    status, _, body = request(f"{base}_sondage/stage/shop.html?iterate_preview=nps")
    assert status == 200 and b"iterateSettings" in body and b"sondage-stage-slot" in body
    status, _, body = request(f"{base}dashboard/export.csv?site=shop&until=someday&token=t0ken-for-tests")
    assert status == 400 and b"until: a date as YYYY-MM-DD, got 'someday'" in body
    status, _, _ = request(f"{base}dashboard/export.csv?site=shop")
    assert status == 401
    status, headers, _ = request(f"{base}dashboard?token=t0ken-for-tests")
    assert status == 200 and "frame-ancestors 'none'" in headers["content-security-policy"]
    # A collector without a bundle has no surveys to show in a gallery.
    alone = start(None, port=0, db=str(tmp_path / "alone.db"), config=CollectorConfig(admin_token="t"))
    try:
        status, _, body = request(f"{alone.runtime_url}gallery?token=t")
        assert status == 404 and b"the gallery shows the surveys of a bundle" in body
        status, _, body = request(f"{alone.runtime_url}dashboard?token=t")
        assert status == 400 and b"site: which site" in body      # no bundle and no answers yet
    finally:
        alone.stop()
