"""GET /metrics: Prometheus's text format, behind the admin token or the metrics token:
answers stored and refused, request latency, the queue's depth and age, deliveries by outcome."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from runtime.records import answer_record
from runtime.survey_format import load_site_data
from sondage.collector.config import CollectorConfig, load
from sondage.collector.server import start
from sondage.collector.webhooks import Webhook
from tests.conftest import wait_until
from tests.receiver import Receiver

from .test_collector_server import post, request


def scrape(url: str, token: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, headers, body = request(url + "metrics", headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode()) for s in family.samples}


def test_metrics_count_answers_latency_queue_and_deliveries(tmp_path, site_data):
    receiver = Receiver(fail=10_000)                      # answers 503: the delivery waits to be retried
    survey = load_site_data(site_data).surveys[0]
    good = answer_record(survey, survey.questions[0], 9, record_id="rec-metrics-1", site="shop", now=1.0)
    config = CollectorConfig(admin_token="admin-t0ken", metrics_token="metrics-t0ken", rate_per_second=0,
                             webhooks={"shop": [Webhook(receiver.url, "s3cret")]}, webhook_interval=0.1)
    running = start(None, port=0, db=tmp_path / "m.db", config=config)
    url = running.runtime_url.replace("localhost", "127.0.0.1")
    try:
        assert request(url + "metrics")[0] == 401
        assert request(url + "metrics", headers={"Authorization": "Bearer wrong"})[0] == 401
        assert post(url + "collect", {"records": [good, {**good, "id": "rec-metrics-2", "version": 99}]})[0] == 200
        assert post(url + "collect", {"records": [good]})[0] == 200          # a duplicate
        wait_until(None, lambda: len(receiver.got) >= 1, "the webhook's first try")
        figures = wait_until(None, lambda: (m := scrape(url, "metrics-t0ken"))
                             [("sondage_deliveries_total", (("outcome", "retried"),))] >= 1 and m,
                             "the failed try in the metrics")
        assert figures[("sondage_answers_total", (("outcome", "stored"),))] == 1
        assert figures[("sondage_answers_total", (("outcome", "duplicate"),))] == 1
        assert figures[("sondage_answers_total", (("outcome", "refused"),))] == 1
        assert figures[("sondage_request_seconds_count", (("route", "/collect"), ("status", "200")))] == 2
        assert figures[("sondage_queue_depth", ())] == 1
        assert figures[("sondage_queue_oldest_seconds", ())] > 0
        assert figures[("sondage_deliveries_total", (("outcome", "done"),))] == 0
        assert scrape(url, "admin-t0ken")[("sondage_queue_depth", ())] == 1    # the admin token too
    finally:
        running.stop()
        receiver.close()


def test_metrics_need_a_token_configured(tmp_path):
    running = start(None, port=0, db=tmp_path / "n.db", config=CollectorConfig())
    try:
        status, _, body = request(running.runtime_url + "metrics")
        assert status == 403 and b"SONDAGE_METRICS_TOKEN" in body
    finally:
        running.stop()


def test_the_metrics_token_comes_from_its_file_or_the_environment(tmp_path):
    token = tmp_path / "metrics-token"
    token.write_text("from-the-file\n")
    config = tmp_path / "collector.yaml"
    config.write_text(f"metrics_token_file: {token}\n")
    assert load(config, {}).metrics_token == "from-the-file"
    assert load(None, {"SONDAGE_METRICS_TOKEN": "from-env"}).metrics_token == "from-env"
    assert load(None, {}).metrics_token is None
