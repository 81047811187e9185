"""The integrations a marketer sets in the studio, per site: each vendor's relay settings (its
REST endpoint, key, project...: what its module in ``runtime/vendors`` lists as
``relay_settings``). They feed the collector's relay (answers from links and emails to the
vendor's REST API), the same as the relay section of the collector's config file, and win over
it for the sites they name.

The secrets live in one file only the server reads (mode 0600, outside the surveys folder and
the bundle; ``--integrations FILE``); a page shows only their last four characters. "Send a
test" posts one test answer to the vendor with the relay's own request and shows the reply.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from runtime.records import answer_record
from runtime.survey_format import Question, Survey
from runtime.vendors import registry
from runtime.vendors.base import Relay, RelayConfigError

# vendor -> its relay's settings as (field, words, secret), from each vendor's module.
FIELDS: dict[str, list[tuple[str, str, bool]]] = {
    v.name: [(s.name, s.words, s.secret) for s in v.relay_settings] for v in registry.VENDORS.values()
    if v.relay_settings}
TEST_IDENTITY = "sondage-studio-test"


class IntegrationError(ValueError):
    """A setting that is wrong; the message names the site, vendor and field."""


def default_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sondage" / "integrations.yaml"


def load(path: Path) -> dict[str, dict[str, dict[str, str]]]:
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as e:
        raise IntegrationError(f"{path}: {e}") from None
    if not isinstance(data, dict):
        raise IntegrationError(f"{path}: must be a mapping from site to vendors")
    return {str(site): {str(v): {str(k): str(x) for k, x in (fields or {}).items()}
                        for v, fields in (vendors or {}).items()} for site, vendors in data.items()}


def save(path: Path, data: dict[str, dict[str, dict[str, str]]]) -> None:
    """Written whole, readable by the server's user only (0600) from its first byte."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".integrations-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as out:
            yaml.safe_dump(data, out, sort_keys=True)
        os.replace(name, path)
    except BaseException:
        if os.path.exists(name):
            os.unlink(name)
        raise


def relay(site: str, vendor: str, fields: dict[str, str]) -> Relay:
    """The vendor's relay for these settings, checked by the vendor's own module."""
    secrets = [name for name, _, secret in FIELDS[vendor] if secret]
    entry: dict[str, Any] = {k: v for k, v in fields.items() if v and k not in secrets}
    env = {}
    for name in secrets:                 # the configuration names an environment variable per secret
        entry[f"{name}_env"] = f"SONDAGE_STUDIO_{name.upper()}"
        env[f"SONDAGE_STUDIO_{name.upper()}"] = fields.get(name, "")
    try:
        built: Relay = registry.VENDORS[vendor].relay(entry, f"{site}.{vendor}", env)
    except RelayConfigError as e:
        said = str(e)
        for name in secrets:
            said = said.replace(f"{name}_env: name an environment variable that holds it "
                                f"('SONDAGE_STUDIO_{name.upper()}' is not set)", f"{name}: required")
        raise IntegrationError(said) from None
    return built


def relays(data: dict[str, dict[str, dict[str, str]]]) -> dict[str, dict[str, Relay]]:
    return {site: {vendor: relay(site, vendor, fields) for vendor, fields in vendors.items()
                   if vendor in FIELDS and any(fields.values())} for site, vendors in data.items()}


def masked(value: str) -> str:
    return "" if not value else "•" * 8 + value[-4:] if len(value) > 8 else "•" * len(value)


@dataclass
class TestReply:
    status: int
    body: str
    url: str


def send_test(site: str, vendor: str, fields: dict[str, str]) -> TestReply:
    """One test answer to the vendor, by the relay's own request; the vendor's reply."""
    built = relay(site, vendor, fields)
    question = Question(id="studio-test", type="short_text", prompt="Sondage studio test", label="sondage_test")
    survey = Survey(id="sondage-test", site=site, name="Sondage test", questions=[question])
    record = answer_record(survey, question, "a test from the Sondage studio", record_id=f"studio-test-{time.time()}",
                           site=site, now=time.time(),
                           identities={v.link.relay_identity: TEST_IDENTITY for v in registry.link_vendors() if v.link})
    request = urllib.request.Request(built.url, data=json.dumps(built.body(record)).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **built.headers()})
    try:
        with urllib.request.urlopen(request, timeout=15) as r:     # noqa: S310 (the vendor's https URL)
            return TestReply(r.status, r.read(2000).decode("utf-8", "replace"), built.url)
    except urllib.error.HTTPError as e:
        return TestReply(e.code, e.read(2000).decode("utf-8", "replace"), built.url)
    except (urllib.error.URLError, OSError) as e:
        return TestReply(0, f"could not reach {built.url}: {getattr(e, 'reason', e)}", built.url)
