"""The collector's configuration (``CollectorConfig``), read from its own file (``--config
FILE``, YAML): what must never be in the public bundle (webhook secrets) and what belongs to
the server (rate limits, extra origins). Every problem names the field::

    admin_token_file: /etc/sondage/admin-token    # else $SONDAGE_ADMIN_TOKEN
    allow_origins: [https://shop.example]         # besides the sites' own `origins`
    rate_limit: {burst: 120, per_second: 2}       # per client; per_second 0 turns it off
    webhooks:
      shop-key:                                   # a site (the snippet's apiKey)
        - url: https://hooks.example/sondage
          secret_env: SONDAGE_WEBHOOK_SECRET      # the HMAC secret, from the environment
    relay:                                        # answers from links and emails, to the vendors
      shop-key:
        braze:
          rest_endpoint: https://rest.iad-01.braze.com
          api_key_env: BRAZE_REST_API_KEY         # a key with users.track
        clevertap:
          account_id: TEST-123-ABC
          passcode_env: CLEVERTAP_PASSCODE
          region: eu1                             # eu1 | in1 | sg1 | us1 | aps3 | mec1
          event: survey_question_response         # or survey-question-response
          user_properties: [plan]                 # link user properties put on the profile
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..catalogue import Catalogue
from ..runtime.survey_format import ORIGIN_PATTERN
from .relay import CLEVERTAP_HOSTS, BrazeRelay, CleverTapRelay, Relays
from .webhooks import Webhook

ORIGIN = re.compile(ORIGIN_PATTERN)


@dataclass
class CollectorConfig:
    admin_token: str | None = None
    # Page origins allowed to POST answers, per site (from the sites' `origins`), and for all.
    site_origins: dict[str, set[str]] = field(default_factory=dict)
    allow_origins: set[str] = field(default_factory=set)
    rate_burst: int = 120                 # requests a client may send at once ...
    rate_per_second: float = 2.0          # ... and then this many a second; 0 turns it off
    webhooks: dict[str, list[Webhook]] = field(default_factory=dict)
    relays: dict[str, Relays] = field(default_factory=dict)   # per site: Braze / CleverTap REST
    catalogue: Catalogue | None = None    # the surveys served (from the bundle): records are checked
    webhook_interval: float = 1.0         # how often the queue is worked, seconds
    webhook_base_delay: float = 10.0      # the first retry's wait; it doubles each time

    def origins(self) -> set[str]:
        return set(self.allow_origins).union(*self.site_origins.values()) if self.site_origins \
            else set(self.allow_origins)


class ConfigError(ValueError):
    pass


def admin_token_from(env: str | None = None, file: str | Path | None = None) -> str | None:
    """The admin token: from a file (its first line), else the environment."""
    if file:
        text = Path(file).read_text().strip()
        if not text:
            raise OSError(f"{file}: the admin token file is empty")
        return text.splitlines()[0].strip()
    return os.environ.get(env or "SONDAGE_ADMIN_TOKEN") or None


def load(path: Path | None, environ: dict[str, str] | None = None) -> CollectorConfig:
    env = os.environ if environ is None else environ
    data: Any = {}
    if path is not None:
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError) as e:
            raise ConfigError(f"{path}: {e}") from None
    where = str(path or "collector config")
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must be a mapping")
    known = {"admin_token_file", "allow_origins", "rate_limit", "webhooks", "relay"}
    for key in data:
        if key not in known:
            raise ConfigError(f"{where}: {key}: unknown field (expected one of: {', '.join(sorted(known))})")
    config = CollectorConfig()
    try:
        config.admin_token = admin_token_from(file=data.get("admin_token_file")) if data.get("admin_token_file") \
            else env.get("SONDAGE_ADMIN_TOKEN") or None
    except OSError as e:
        raise ConfigError(f"{where}: admin_token_file: {e}") from None
    origins = data.get("allow_origins") or []
    if not isinstance(origins, list) or not all(isinstance(o, str) and ORIGIN.fullmatch(o) for o in origins):
        raise ConfigError(f"{where}: allow_origins: a list of origins like https://shop.example")
    config.allow_origins = {o.rstrip("/") for o in origins}
    rate = data.get("rate_limit") or {}
    if not isinstance(rate, dict) or set(rate) - {"burst", "per_second"}:
        raise ConfigError(f"{where}: rate_limit: {{burst: N, per_second: N}}")
    try:
        config.rate_burst = int(rate.get("burst", config.rate_burst))
        config.rate_per_second = float(rate.get("per_second", config.rate_per_second))
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: rate_limit: burst and per_second must be numbers") from None
    hooks = data.get("webhooks") or {}
    if not isinstance(hooks, dict):
        raise ConfigError(f"{where}: webhooks: a mapping from site key to a list of webhooks")
    for site, entries in hooks.items():
        if not isinstance(entries, list):
            raise ConfigError(f"{where}: webhooks.{site}: a list of {{url, secret_env}}")
        for i, entry in enumerate(entries):
            here = f"{where}: webhooks.{site}[{i}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("url"), str) \
                    or not re.match(r"https?://", entry["url"]):
                raise ConfigError(f"{here}.url: an http(s) URL")
            secret_env = entry.get("secret_env")
            if not isinstance(secret_env, str) or not env.get(secret_env):
                raise ConfigError(f"{here}.secret_env: name an environment variable that holds the secret "
                                  f"({secret_env!r} is not set)")
            config.webhooks.setdefault(str(site), []).append(Webhook(entry["url"], env[secret_env]))
    relay = data.get("relay") or {}
    if not isinstance(relay, dict):
        raise ConfigError(f"{where}: relay: a mapping from site key to its braze / clevertap settings")
    for site, vendors in relay.items():
        here = f"{where}: relay.{site}"
        if not isinstance(vendors, dict) or set(vendors) - {"braze", "clevertap"}:
            raise ConfigError(f"{here}: braze and/or clevertap")
        relays = Relays()
        if "braze" in vendors:
            relays.braze = _braze(vendors["braze"], f"{here}.braze", env)
        if "clevertap" in vendors:
            relays.clevertap = _clevertap(vendors["clevertap"], f"{here}.clevertap", env)
        config.relays[str(site)] = relays
    return config


def _secret(entry: dict[str, Any], name: str, here: str, env: Any) -> str:
    variable = entry.get(name)
    if not isinstance(variable, str) or not env.get(variable):
        raise ConfigError(f"{here}.{name}: name an environment variable that holds it ({variable!r} is not set)")
    return str(env[variable])


def _braze(entry: Any, here: str, env: Any) -> BrazeRelay:
    if not isinstance(entry, dict) or set(entry) - {"rest_endpoint", "api_key_env"}:
        raise ConfigError(f"{here}: {{rest_endpoint, api_key_env}}")
    endpoint = entry.get("rest_endpoint")
    if not isinstance(endpoint, str) or not re.match(r"https?://", endpoint):
        raise ConfigError(f"{here}.rest_endpoint: your Braze REST endpoint, e.g. https://rest.iad-01.braze.com")
    return BrazeRelay(endpoint, _secret(entry, "api_key_env", here, env))


def _clevertap(entry: Any, here: str, env: Any) -> CleverTapRelay:
    known = {"account_id", "passcode_env", "region", "endpoint", "event", "user_properties"}
    if not isinstance(entry, dict) or set(entry) - known:
        raise ConfigError(f"{here}: {{{', '.join(sorted(known))}}}")
    account = entry.get("account_id")
    if not isinstance(account, str) or not account:
        raise ConfigError(f"{here}.account_id: the CleverTap project id")
    region = entry.get("region", "eu1")
    if region not in CLEVERTAP_HOSTS:
        raise ConfigError(f"{here}.region: one of {', '.join(CLEVERTAP_HOSTS)}")
    endpoint = entry.get("endpoint", "")
    if endpoint and (not isinstance(endpoint, str) or not re.match(r"https?://", endpoint)):
        raise ConfigError(f"{here}.endpoint: an http(s) URL")
    event = entry.get("event", "survey_question_response")
    if event not in ("survey_question_response", "survey-question-response"):
        raise ConfigError(f"{here}.event: survey_question_response or survey-question-response")
    props = entry.get("user_properties") or []
    if not isinstance(props, list) or not all(isinstance(p, str) for p in props):
        raise ConfigError(f"{here}.user_properties: a list of names")
    return CleverTapRelay(account, _secret(entry, "passcode_env", here, env), region, endpoint, event, tuple(props))
