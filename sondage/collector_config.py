"""The collector's own configuration file (``--config FILE``, YAML): what must never be in
the public bundle (webhook secrets) and what belongs to the server (rate limits, extra
origins). Every problem names the field::

    admin_token_file: /etc/sondage/admin-token    # else $SONDAGE_ADMIN_TOKEN
    allow_origins: [https://shop.example]         # besides the sites' own `origins`
    rate_limit: {burst: 120, per_second: 2}       # per client; per_second 0 turns it off
    webhooks:
      shop-key:                                   # a site (the snippet's apiKey)
        - url: https://hooks.example/sondage
          secret_env: SONDAGE_WEBHOOK_SECRET      # the HMAC secret, from the environment
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from .collector_app import CollectorConfig
from .server import admin_token_from
from .webhooks import Webhook

ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?")


class ConfigError(ValueError):
    pass


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
    known = {"admin_token_file", "allow_origins", "rate_limit", "webhooks"}
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
    return config
