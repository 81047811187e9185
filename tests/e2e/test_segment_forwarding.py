"""Answers into Segment: `analytics.track('Survey Question Response', record)` through the
real analytics-next from npm, as Segment's own API receives it."""

from __future__ import annotations

import json

from tests.conftest import wait_until

from .conftest import SEGMENT_SNIPPET, route_segment
from .test_spine import wait_for_rows
from .vendors import answer_vendor_survey


def test_each_answer_is_a_segment_track_with_iterates_fields(host, servers, bundle):
    route_segment(host.page.context, (bundle.out / "loader.js").read_bytes(), None)
    tracked: list[dict] = []

    def segment_api(route) -> None:
        body = json.loads(route.request.post_data or "{}")
        tracked.append(body)
        route.fulfill(status=200, body='{"success": true}', content_type="application/json",
                      headers={"Access-Control-Allow-Origin": "*"})

    host.page.context.route("https://api.segment.io/v1/t", segment_api)
    host.open("<h1>Shop</h1><script>analytics.identify('seg-9', {plan: 'pro'});</script>",
              api_key="e2e-vendors", head=SEGMENT_SNIPPET)
    page = host.page
    page.wait_for_function("window.analytics && window.analytics.initialized === true", timeout=30000)
    page.evaluate("Iterate('identify', {external_id: 'seg-9'}, {order: 'A-17'}); Iterate('event', 'rate-us')")
    survey = host.survey()
    answer_vendor_survey(survey, "10", ["Support"])
    wait_for_rows(servers.store, 2, survey_id="e2e-vendor-nps", url=page.url)
    page.wait_for_function("() => true")
    wait_until(page, lambda: len([t for t in tracked if t.get("event") == "Survey Question Response"]) >= 2,
               "two 'Survey Question Response' tracks at Segment")
    first, second = [t for t in tracked if t.get("event") == "Survey Question Response"]
    assert first["userId"] == "seg-9" and first["type"] == "track"
    assert first["properties"] == {
        "survey_id": "e2e-vendor-nps", "survey_name": "E2E vendor NPS",
        "question": "How likely are you to recommend us?", "label": "nps_score", "response": 10,
        "response_int": 10, "response_string": "10", "response_properties": {"order": "A-17"}}
    assert second["properties"]["response_array"] == ["Support"]
    assert second["properties"]["label"] == "What did you like?"
