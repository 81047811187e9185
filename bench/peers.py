"""The JavaScript survey widgets Sondage is measured against, in the same run, on the same
host page: PostHog's survey widget (`posthog-js` from npm, with a canned backend) and
SurveyJS (`survey-core` + `survey-js-ui` from npm). Each gets the same two-question survey
(NPS 0-10, then a text question), shown on the event `bench-fired`, with its SDK loaded
beforehand, as it always is on a real page.

Every page defines `window.benchFire()` (fire the event) and `window.benchShown()` (the
first question is on the page and laid out); `measure()` times one from the other.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NPM = ROOT / "node_modules"
PROMPT = "How likely are you to recommend us?"
POSTHOG_TOKEN = "phc_bench"
POSTHOG_HOST = "https://posthog.bench"      # answered by `route_posthog`, never the network

# file in the pages folder: the npm file it is copied from
VENDOR_FILES = {
    "vendor/posthog.js": NPM / "posthog-js" / "dist" / "array.full.js",
    "vendor/survey.core.min.js": NPM / "survey-core" / "survey.core.min.js",
    "vendor/survey-js-ui.min.js": NPM / "survey-js-ui" / "survey-js-ui.min.js",
    "vendor/survey-core.min.css": NPM / "survey-core" / "survey-core.fontless.min.css",
}

POSTHOG_SURVEY = {
    "id": "bench-event", "name": "Bench on event", "type": "popover", "description": "",
    "questions": [
        {"type": "rating", "question": PROMPT, "scale": 10, "display": "number",
         "lowerBoundLabel": "Not likely", "upperBoundLabel": "Very likely", "id": "q1"},
        {"type": "open", "question": "What could we do better?", "id": "q2"}],
    "conditions": {"events": {"values": [{"name": "bench-fired"}]}},
    "appearance": {}, "start_date": "2026-01-01T00:00:00Z", "end_date": None,
    "linked_flag_key": None, "targeting_flag_key": None, "internal_targeting_flag_key": None,
    "current_iteration": None, "current_iteration_start_date": None, "schedule": "always",
}

SURVEYJS_SURVEY = {
    "title": "Bench on event", "showQuestionNumbers": "off",
    "pages": [{"elements": [
        {"type": "rating", "name": "nps", "title": PROMPT, "rateMin": 0, "rateMax": 10,
         "minRateDescription": "Not likely", "maxRateDescription": "Very likely"}]},
        {"elements": [{"type": "comment", "name": "why", "title": "What could we do better?"}]}],
}

POSTHOG_HEAD = """<script>
window._POSTHOG_REMOTE_CONFIG = {%(token)s: {config: {surveys: true, hasFeatureFlags: false,
  sessionRecording: false, heatmaps: false, autocaptureExceptions: false}, siteApps: []}};
</script>
<script src="vendor/posthog.js"></script>
<script>
posthog.init(%(token)s, {api_host: %(host)s, autocapture: false, capture_pageview: false,
  disable_session_recording: true, advanced_disable_feature_flags_on_first_load: true,
  persistence: "localStorage", opt_out_useragent_filter: true});
window.benchFire = () => posthog.capture("bench-fired");
window.benchShown = () => {
  const host = document.querySelector("[class^=PostHogSurvey]");
  const q = host && host.shadowRoot && host.shadowRoot.querySelector(".survey-question");
  return !!q && q.getBoundingClientRect().height > 0 && q.textContent.includes(%(prompt)s);
};
</script>"""

SURVEYJS_HEAD = """<link rel="stylesheet" href="vendor/survey-core.min.css">
<script src="vendor/survey.core.min.js"></script>
<script src="vendor/survey-js-ui.min.js"></script>
<script>
window.benchFire = () => {
  const model = new Survey.Model(%(survey)s);
  const slot = document.createElement("div");
  document.body.appendChild(slot);
  SurveyUI.renderPopupSurvey(model, slot, {isExpanded: true});
};
window.benchShown = () => {
  const q = document.querySelector(".sd-question__title, .sv-string-viewer");
  return !!q && q.getBoundingClientRect().height > 0 && document.body.textContent.includes(%(prompt)s);
};
</script>"""

PEERS = {  # page: (title, head)
    "peer-posthog.html": ("PostHog survey on an event",
                          POSTHOG_HEAD % {"token": json.dumps(POSTHOG_TOKEN), "host": json.dumps(POSTHOG_HOST),
                                          "prompt": json.dumps(PROMPT)}),
    "peer-surveyjs.html": ("SurveyJS survey on an event",
                           SURVEYJS_HEAD % {"survey": json.dumps(SURVEYJS_SURVEY), "prompt": json.dumps(PROMPT)}),
}

# Fire the event, then wait (checking every 2 ms, as for Sondage) until the question shows.
MEASURE = """async () => {
  const t0 = performance.now();
  window.benchFire();
  while (!window.benchShown()) await new Promise((r) => setTimeout(r, 2));
  return performance.now() - t0;
}"""


def write_peer_pages(folder: Path, page_template: str, body: str) -> None:
    for name, source in VENDOR_FILES.items():
        if not source.is_file():
            raise SystemExit(f"bench: {source} is missing; run `npm ci` (package.json lists the peers)")
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / name)
    for name, (title, head) in PEERS.items():
        (folder / name).write_text(page_template.format(title=title, snippet=head, body=body))


def route_posthog(context: Any) -> None:
    """PostHog's backend, canned: the surveys, and an empty answer to everything else."""
    def answer(route: Any) -> None:
        url = route.request.url
        if "/api/surveys" in url:
            body: Any = {"surveys": [POSTHOG_SURVEY]}
        elif "/flags" in url:
            body = {"featureFlags": {}, "featureFlagPayloads": {}, "errorsWhileComputingFlags": False}
        else:
            body = {"status": 1}
        route.fulfill(status=200, body=json.dumps(body), content_type="application/json",
                      headers={"Access-Control-Allow-Origin": route.request.headers.get("origin", "*"),
                               "Access-Control-Allow-Credentials": "true"})
    context.route(f"{POSTHOG_HOST}/**", answer)
