"""One module per vendor, behind one interface (issue 26, item 3): a fourth vendor is its own
module and its configuration only, and no other module names Braze or CleverTap."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runtime import link_params
from runtime.extensions import REGISTRY, ForwardContext
from runtime.survey_format import SiteSettings, Survey, load_site_data
from runtime.vendors import registry
from runtime.vendors.base import Embed, LinkTags, Relay, SdkCall, Vendor, call, secret
from sondage.collector.config import load
from sondage.collector.relay import relay_jobs
from sondage.links import survey_link
from sondage.survey_pages import embed_html

from .test_embed import answers, new_runtime, of, ui
from .test_forwarding import init_in, sdk_calls

ROOT = Path(__file__).resolve().parents[2]


# -- a fourth vendor: all of it here, as runtime/vendors/<name>.py would hold it -------------
@dataclass(frozen=True)
class FakeRelay(Relay):
    endpoint: str
    token: str

    @property
    def url(self) -> str:
        return self.endpoint + "/v1/answers"

    def headers(self) -> dict[str, str]:
        return {"X-Fake-Token": self.token}

    def body(self, record: dict[str, Any]) -> dict[str, Any]:
        return {"user": record["identities"]["fake_user"], "answer": record["response"]}


class Fake(Vendor):
    name = "fake"
    label = "Fake"
    identity_names = ("fake_id",)
    embed = Embed(channel="fake-card", title="Fake card (HTML)", presentation="fill", settings={"campaign": "[[id]]"},
                  style="#card{height:200px}", body='<div id="card"></div>')
    link = LinkTags(trait="fake_user", relay_identity="fake_user", identity="{{fake.user}}", send="{{fake.send}}")

    def enabled(self, settings: SiteSettings, survey: Survey, channel: str) -> bool:
        return True

    def answer_calls(self, ctx: ForwardContext) -> list[SdkCall]:
        return [call(self.label, "fakeSdk", [["record", [ctx.record["label"], ctx.value]]])]

    def identity_queries(self) -> list[SdkCall]:
        return [call(self.label, "fakeSdk", [["whoAmI", []]], reply="fake_id")]

    def close_calls(self, campaign: str, channel: str = "") -> list[SdkCall]:
        return [call(self.label, "fakeSdk", [["close", [campaign]]])]

    def relay(self, entry: Any, here: str, env: Mapping[str, str]) -> FakeRelay:
        return FakeRelay(str(entry["endpoint"]), secret(entry, "token_env", here, env))


@pytest.fixture
def fake() -> Iterator[Fake]:
    vendor = Fake()
    registry.register(vendor)
    try:
        yield vendor
    finally:
        del registry.VENDORS["fake"]
        del REGISTRY.forwarders["fake"]
        REGISTRY.provider.pop("forwarder:fake", None)


def test_a_fourth_vendors_ids_reach_the_answer_record_and_its_sdk_call_the_effects(fake, site_data, clock):
    rt, _ = new_runtime(site_data, clock)
    queries = sdk_calls(rt.command("event", ["bought"]))
    assert [(q["vendor"], q["reply"]) for q in queries] == [("Fake", "fake_id")]
    [view] = of(rt.handle({"type": "sdk_reply", "name": "fake_id", "value": "F-1"}), "deliver")
    rt.handle({"type": "delivered", "ids": [r["id"] for r in view["records"]]})
    effects = ui(rt, "answer", "score", value="9")
    assert [c for c in sdk_calls(effects) if c["vendor"] == "Fake"] == [
        call("Fake", "fakeSdk", [["record", ["nps_score", 9]]])]
    [deliver] = of(effects, "deliver")
    assert answers(deliver)[0]["identities"] == {"fake_id": "F-1"}


def test_a_fourth_vendors_message_is_an_embed_the_runtime_knows(fake, site_data, clock):
    page = embed_html("fake-card", "shop", "https://cdn.test/", "nps", "NPS")
    assert '"channel":"fake-card"' in page.replace(" ", "") and '<div id="card"></div>' in page
    rt, effects = init_in(site_data, clock, "fake-card", campaign="c-9")
    assert not of(effects, "console")                            # a channel it knows
    [mount] = of(rt.command("install", ["manual"]), "mount")
    assert mount["position"] == "fill"
    assert sdk_calls(ui(rt, "close", "pick"))[-1] == call("Fake", "fakeSdk", [["close", ["c-9"]]])


def test_a_fourth_vendors_merge_tags_reach_a_link_and_its_relay_builds_a_request(fake, site_data, tmp_path):
    survey = load_site_data(site_data).surveys[0]
    link = survey_link("https://cdn.test/", survey, "fake")
    assert link.endswith("?user_fake_user={{fake.user}}&send={{fake.send}}")
    # The service fills the tags; the survey's own page reads the recipient from the link.
    params = link_params.parse(link.replace("{{fake.user}}", "F-7").replace("{{fake.send}}", "s-1"))
    assert params.identities == {"fake_user": "F-7"} and params.send == "s-1"
    assert link_params.recipient(params.identities, params.traits, "v-1") == "fake_user:F-7"
    # The collector's configuration names the vendor's relay; an answer with that identity goes to it.
    config = tmp_path / "collector.yaml"
    config.write_text("relay:\n  shop:\n    fake: {endpoint: 'https://api.fake.test', token_env: FAKE_TOKEN}\n")
    relays = load(config, {"FAKE_TOKEN": "t-1"}).relays["shop"]
    assert relays["fake"].headers() == {"X-Fake-Token": "t-1"}
    record = {"id": "r-1", "site": "shop", "response": 9, "identities": {"fake_user": "F-7"}}
    assert relay_jobs(record, relays) == [("fake", "https://api.fake.test/v1/answers",
                                           json.dumps({"answer": 9, "user": "F-7"}, sort_keys=True))]
    assert relay_jobs({**record, "identities": {}}, relays) == []


def test_the_vendors_modules_import_nothing_the_browser_lacks():
    """They ship into Pyodide with the runtime: the standard library and the runtime only."""
    found = []
    for path in sorted((ROOT / "runtime" / "vendors").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] not in sys.stdlib_module_names]
    assert not found, found


# -- only the vendors' own modules name them ---------------------------------------------------
VENDOR_NAMES = re.compile(r"braze|clevertap", re.IGNORECASE)
# Where a vendor's name may be written besides runtime/vendors/, and why.
ALLOWED = {
    "runtime/survey_format.py": "the survey format's one definition: sites.yaml's `forward:` keys (braze, "
                                "clevertap, clevertap_event, ...) are a published format; each vendor's "
                                "module reads its own",
    "sondage/migrations/": "database columns named after the vendors' ids (existing data; the registry "
                           "maps them in database.py)",
    "runtime/segment_plugin.py": "Segment's own module (it names no other vendor today)",
    "docs/": "the guides for the Braze and CleverTap marketers",
    "README.md": "what Sondage is, for people",
    "mkdocs.yml": "the documentation site's navigation (the guides)",
    "tests/": "the tests exercise the real vendors",
    "examples/": "example sites forward to the vendors",
    "package.json": "not code: the e2e tests' scripts",
    "package-lock.json": "not code",
}


def test_no_module_outside_the_vendors_names_one():
    tracked = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    found = []
    for name in tracked.splitlines():
        if name.startswith("runtime/vendors/") or any(name.startswith(prefix) for prefix in ALLOWED):
            continue
        path = ROOT / name
        if not path.is_file() or path.suffix in (".png", ".ico", ".woff2", ".zip", ".whl"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if VENDOR_NAMES.search(text):
            found.append(name)
    assert not found, ("these name a vendor outside runtime/vendors/ (put it in the vendor's module, or list "
                       f"the file in ALLOWED with the reason): {found}")
