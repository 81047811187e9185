"""The collector's configuration (``CollectorConfig``), read from its own file (``--config
FILE``, YAML): what must never be in the public bundle (webhook secrets) and what belongs to
the server (rate limits, extra origins). Every problem names the field::

    admin_token_file: /etc/sondage/admin-token    # else $SONDAGE_ADMIN_TOKEN
    metrics_token_file: /etc/sondage/metrics-token  # GET /metrics only; else $SONDAGE_METRICS_TOKEN
    allow_origins: [https://shop.example]         # besides the sites' own `origins`
    rate_limit: {burst: 120, per_second: 2}       # per client; per_second 0 turns it off
    webhooks:
      shop-key:                                   # a site (the snippet's apiKey)
        - url: https://hooks.example/sondage
          secret_env: SONDAGE_WEBHOOK_SECRET      # the HMAC secret, from the environment
          when: {rules: [{key: response_int, op: less_than, value: 7}]}   # optional: these answers only
    relay:                                        # answers from links and emails, to the vendors
      shop-key:
        VENDOR: {...}                             # its settings: see its module in runtime/vendors/
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from runtime.survey_format import ORIGIN_PATTERN, ValueRules
from runtime.vendors import registry
from runtime.vendors.base import RelayConfigError

from ..catalogue import Catalogue
from . import conditions
from .relay import Relays
from .webhooks import Webhook

ORIGIN = re.compile(ORIGIN_PATTERN)


@dataclass
class CollectorConfig:
    admin_token: str | None = None
    metrics_token: str | None = None      # for GET /metrics only (a Prometheus server's), besides the admin token
    # Page origins allowed to POST answers, per site (from the sites' `origins`), and for all.
    site_origins: dict[str, set[str]] = field(default_factory=dict)
    allow_origins: set[str] = field(default_factory=set)
    rate_burst: int = 120                 # requests a client may send at once ...
    rate_per_second: float = 2.0          # ... and then this many a second; 0 turns it off
    webhooks: dict[str, list[Webhook]] = field(default_factory=dict)
    relays: dict[str, Relays] = field(default_factory=dict)   # per site: each vendor's REST API
    # per site and vendor: the answers its relay takes (`when`; none: every answer it can identify)
    relay_when: dict[str, dict[str, ValueRules]] = field(default_factory=dict)
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
    known = {"admin_token_file", "metrics_token_file", "allow_origins", "rate_limit", "webhooks", "relay"}
    for key in data:
        if key not in known:
            raise ConfigError(f"{where}: {key}: unknown field (expected one of: {', '.join(sorted(known))})")
    config = CollectorConfig()
    try:
        config.admin_token = admin_token_from(file=data.get("admin_token_file")) if data.get("admin_token_file") \
            else env.get("SONDAGE_ADMIN_TOKEN") or None
    except OSError as e:
        raise ConfigError(f"{where}: admin_token_file: {e}") from None
    try:
        config.metrics_token = admin_token_from(file=data["metrics_token_file"]) if data.get("metrics_token_file") \
            else env.get("SONDAGE_METRICS_TOKEN") or None
    except OSError as e:
        raise ConfigError(f"{where}: metrics_token_file: {e}") from None
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
            unknown = sorted(set(entry) - {"url", "secret_env", "when"})
            if unknown:
                raise ConfigError(f"{here}: unknown field(s) {', '.join(unknown)} (url, secret_env, when)")
            try:
                when = conditions.parse(entry.get("when"), here.removeprefix(f"{where}: "))
            except conditions.ConditionError as e:
                raise ConfigError(f"{where}: {e}") from None
            config.webhooks.setdefault(str(site), []).append(Webhook(entry["url"], env[secret_env], when))
    relay = data.get("relay") or {}
    if not isinstance(relay, dict):
        raise ConfigError(f"{where}: relay: a mapping from site key to its {' / '.join(_relayed())} settings")
    for site, vendors in relay.items():
        here = f"{where}: relay.{site}"
        if not isinstance(vendors, dict) or set(vendors) - set(_relayed()):
            raise ConfigError(f"{here}: {' and/or '.join(_relayed())}")
        relays: Relays = {}
        for name, vendor in registry.VENDORS.items():
            if name in vendors:
                settings = dict(vendors[name]) if isinstance(vendors[name], dict) else vendors[name]
                try:
                    when = conditions.parse(settings.pop("when", None), f"relay.{site}.{name}") \
                        if isinstance(settings, dict) else None
                    relays[name] = vendor.relay(settings, f"{here}.{name}", env)
                except RelayConfigError as e:
                    raise ConfigError(str(e)) from None
                except conditions.ConditionError as e:
                    raise ConfigError(f"{where}: {e}") from None
                if when is not None:
                    config.relay_when.setdefault(str(site), {})[name] = when
        config.relays[str(site)] = relays
    return config


def _relayed() -> list[str]:
    """The vendors a relay can be configured for: those whose links identify the recipient."""
    return [vendor.name for vendor in registry.link_vendors()]
