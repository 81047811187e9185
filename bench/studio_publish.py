"""Studio benchmark (not a test): Publish → a visitor's next page view shows the new version;
and an edit in the editor → the live preview beside it shows it.

A bundle is built once (the runtime); then, RUNS times: the survey's prompt is changed in its
file, the studio's Publish is posted (as the button does, with the session and its CSRF
token), and a visitor's new page view on the demo shop fires the survey's event and waits for
the new prompt. Reported: the publish request itself (rebuilding only the survey's files), and
from the publish click to the new prompt on the visitor's screen (page load, the loader, the
first step shown ahead of Python), median with min-max. Goal (issue #27): ≤ 2 s. Then, in the
editor, RUNS edits of the prompt, each timed from the keystroke to the preview showing it
(the check after typing stops, 250 ms, included). Goal: within 1 s.
Results: bench/results/studio.json.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from build.bundle import build  # noqa: E402
from sondage.collector.config import CollectorConfig  # noqa: E402
from sondage.collector.server import start  # noqa: E402
from tests.chromium import ARGS  # noqa: E402

RUNS = 7
TOKEN = "bench-studio"
SURVEY = """\
id: bench
site: bench-shop
name: Bench
trigger: {type: event, event: demo-clicked}
frequency: always
questions:
  - {id: q, type: nps, prompt: "PROMPT"}
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="sondage-bench-studio-"))
    try:
        seed = work / "seed"
        seed.mkdir()
        (seed / "seed.yaml").write_text(SURVEY.replace("PROMPT", "Seed?").replace("bench-shop", "seed-site"))
        print("building the runtime once ...", flush=True)
        bundle = build(seed, work / "dist").out
        surveys = work / "surveys"
        surveys.mkdir()
        (surveys / "bench.yaml").write_text(SURVEY.replace("PROMPT", "Version 0?"))
        running = start(bundle, port=0, db=work / "answers.db", demo=ROOT / "examples" / "site", demo_port=0,
                        demo_api_key="bench-shop", config=CollectorConfig(admin_token=TOKEN), surveys=surveys,
                        integrations=work / "integrations.yaml")
        opener = urllib.request.build_opener(NoRedirect)
        base = running.runtime_url.rstrip("/")

        def post(path: str, form: dict[str, str], cookie: str = "") -> tuple[int, str, str]:
            request = urllib.request.Request(base + path, data=urllib.parse.urlencode(form).encode(),
                                             headers={"Origin": base, **({"Cookie": cookie} if cookie else {})})
            try:
                with opener.open(request) as r:
                    return r.status, r.headers.get("Set-Cookie", ""), r.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, e.headers.get("Set-Cookie", "") or "", e.headers.get("Location", "") or ""

        _, set_cookie, _ = post("/studio/signin", {"token": TOKEN})
        cookie = set_cookie.split(";")[0]
        with opener.open(urllib.request.Request(base + "/studio", headers={"Cookie": cookie})) as r:
            csrf = re.search(r'name="csrf" value="([^"]+)"', r.read().decode()).group(1)  # type: ignore[union-attr]
        post("/studio/publish", {"csrf": csrf}, cookie)
        publish_s: list[float] = []
        shown_s: list[float] = []
        preview_s: list[float] = []
        with sync_playwright() as p:
            chromium = shutil.which("chromium") or shutil.which("chromium-browser")
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            # A visitor who has been on the shop before (the runtime's files in the browser's cache).
            context = browser.new_context()
            page = context.new_page()
            page.goto(running.site_url)
            page.locator("#add-to-cart").click()
            page.frame_locator("iframe[title=Survey]").locator(".sondage-prompt").wait_for(timeout=60000)
            for run in range(1, RUNS + 1):
                (surveys / "bench.yaml").write_text(SURVEY.replace("PROMPT", f"Version {run}?"))
                started = time.monotonic()
                status, _, where = post("/studio/publish", {"csrf": csrf}, cookie)
                published = time.monotonic()
                assert status == 303 and "Published" in urllib.parse.unquote_plus(where), (status, where)
                page.goto(running.site_url)
                page.locator("#add-to-cart").click()
                prompt = page.frame_locator("iframe[title=Survey]").locator(".sondage-prompt")
                prompt.filter(has_text=f"Version {run}?").wait_for(timeout=60000)
                shown = time.monotonic()
                publish_s.append(published - started)
                shown_s.append(shown - started)
                print(f"run {run}: publish {published - started:.3f} s, new version on screen "
                      f"{shown - started:.3f} s", flush=True)
            # The editor's live preview, as a marketer types.
            studio = browser.new_context()
            editor = studio.new_page()
            editor.goto(running.runtime_url + "studio")
            editor.fill("#token", TOKEN)
            editor.click("button[type=submit]")
            editor.goto(running.runtime_url + "studio/edit/bench.yaml")
            preview = editor.frame_locator("#preview").locator(".sondage-prompt")
            preview.wait_for(timeout=30000)
            for run in range(1, RUNS + 1):
                started = time.monotonic()
                editor.fill("#f-questions-0-prompt", f"Edited {run}?")
                preview.filter(has_text=f"Edited {run}?").wait_for(timeout=30000)
                preview_s.append(time.monotonic() - started)
                print(f"edit {run}: preview shows it after {preview_s[-1]:.3f} s", flush=True)
            browser.close()
        running.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def figure(values: list[float]) -> dict[str, float]:
        return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
                "max": round(max(values), 3)}

    results = {"date": time.strftime("%Y-%m-%d"), "machine": platform.machine(), "runs": RUNS,
               "publish_request_s": figure(publish_s), "publish_to_new_version_on_screen_s": figure(shown_s),
               "goal_s": 2.0, "met": statistics.median(shown_s) <= 2.0,
               "edit_to_preview_s": figure(preview_s), "preview_goal_s": 1.0,
               "preview_met": statistics.median(preview_s) <= 1.0}
    (ROOT / "bench" / "results" / "studio.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
