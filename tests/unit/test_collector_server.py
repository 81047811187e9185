"""The collector and the bundle server, over real HTTP on 127.0.0.1."""

import gzip
import json
import urllib.error
import urllib.request

import brotli
import pytest

from sondage.collector import CollectorError, parse_body
from sondage.runtime.responses import answer_record
from sondage.runtime.survey_format import load_site_data
from sondage.server import start
from sondage.store import Store


@pytest.fixture
def record(site_data):
    survey = load_site_data(site_data).surveys[0]
    return answer_record(survey, survey.questions[0], 8, record_id="rec-000001", site="shop", now=1.0)


@pytest.fixture
def server(tmp_path):
    bundle = tmp_path / "dist"
    (bundle / "manifests").mkdir(parents=True)
    (bundle / "loader.js").write_text("/* loader */ " + "x" * 2000)
    (bundle / "manifests" / "shop.json").write_text('{"format": 1}')
    (bundle / "worker-0123456789ab.mjs").write_text("export {};")
    (bundle / "pyodide-0123456789ab").mkdir()
    (bundle / "pyodide-0123456789ab" / "pyodide.asm.wasm").write_bytes(b"\0asm" + bytes(5000))
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<head><!-- sondage:snippet --></head><a href='%%RUNTIME_URL%%'>")
    running = start(bundle, port=0, demo_port=0, db=tmp_path / "a.db", demo=site)
    yield running
    running.stop()


def request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


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


def test_store_dedupes_by_id(tmp_path, record):
    store = Store(tmp_path / "x.db")
    assert store.add([record]) == (1, 0)
    assert store.add([record, {**record, "id": "rec-000002"}]) == (1, 1)
    assert [r["id"] for r in store.list()] == ["rec-000002", "rec-000001"]
    store.close()
    assert len(Store(tmp_path / "x.db").list()) == 2     # it is on disk


def test_collect_endpoint(server, record):
    url = server.runtime_url + "collect"
    status, headers, body = post(url, {"records": [record]})
    assert status == 200 and json.loads(body) == {"stored": 1, "duplicates": 0}
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert json.loads(post(url, {"records": [record]})[2]) == {"stored": 0, "duplicates": 1}
    status, _, body = post(url, {"records": [{**record, "survey_id": ""}]})
    assert status == 400 and "records[0].survey_id" in json.loads(body)["error"]
    status, _, _ = request(url, b"x" * (300 * 1024), {"Content-Type": "application/json"})
    assert status == 413
    status, headers, _ = request(url, method="OPTIONS")
    assert status == 204 and "content-type" in headers["Access-Control-Allow-Headers"]
    listing = json.loads(request(server.runtime_url + "responses.json")[2])
    assert [r["response"] for r in listing["records"]] == [8]
    page = request(server.runtime_url + "responses")[2].decode()
    assert "How likely?" in page and "1 answer " in page


def test_static_files_are_served_like_a_cdn(server):
    status, h, body = request(server.runtime_url + "pyodide-0123456789ab/pyodide.asm.wasm",
                              headers={"Accept-Encoding": "br"})
    assert status == 200 and h["Content-Type"] == "application/wasm"
    assert h["Content-Encoding"] == "br" and brotli.decompress(body)[:4] == b"\0asm"
    assert h["Cache-Control"] == "public, max-age=31536000, immutable"
    assert h["Access-Control-Allow-Origin"] == "*"
    status, h, body = request(server.runtime_url + "loader.js", headers={"Accept-Encoding": "gzip"})
    assert h["Content-Type"].startswith("text/javascript") and h["Content-Encoding"] == "gzip"
    assert "max-age=60" in h["Cache-Control"] and gzip.decompress(body).startswith(b"/* loader */")
    status, _, _ = request(server.runtime_url + "loader.js",
                           headers={"Accept-Encoding": "gzip", "If-None-Match": h["ETag"]})
    assert status == 304
    assert request(server.runtime_url + "manifests/shop.json")[1]["Cache-Control"].startswith("public, max-age=60")
    assert request(server.runtime_url + "../../etc/passwd")[0] == 404
    assert request(server.runtime_url + "missing.js")[0] == 404


def test_demo_site_has_the_snippet_pointing_at_the_runtime_origin(server):
    page = request(server.site_url)[2].decode()
    assert "window.iterateSettings" in page and f'"{server.runtime_url}loader.js"' in page
    assert server.site_url.startswith("http://127.0.0.1:") and server.runtime_url.startswith("http://localhost:")
