"""Publishing from the studio: only the surveys' own files of the served bundle are rebuilt.

`sondage build` installs the runtime in Pyodide (about 40 s). While the runtime and the sites'
extensions are the ones already in the bundle, nothing of that changes when a survey does:
publish writes each site's survey data, its steps shown ahead of an event, its manifest (the
bundle's frame, collector and base kept) and each survey's own page (``build.bundle.
site_files_of``, what the build writes for them), with their precompressed siblings, each file
atomically and the manifest last. Older data files stay: a visitor who loaded the previous
manifest still finds what it names. The server then takes the new surveys at once (the
collector's catalogue and origins), and serves manifests with ``no-cache`` (revalidated on
every page view), so the next page view shows the new version.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from build.bundle import site_files_of
from build.compress import MIN_SIZE, _compressed
from build.survey_files import SurveyFileError, SurveyFolder, read_folder, read_survey_file, survey_paths

try:
    import brotli  # type: ignore[import-untyped]
except ImportError:  # gzip only
    brotli = None


class PublishError(RuntimeError):
    """What stands in the way; the message says what to do."""


@dataclass
class Published:
    sites: dict[str, list[str]] = field(default_factory=dict)     # site -> survey ids
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _manifests(bundle: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted((bundle / "manifests").glob("*.json")):
        try:
            out[path.stem] = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise PublishError(f"{path}: {e}") from None
    return out


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
        tmp.write(data)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, path)


def _write_with_siblings(path: Path, data: bytes) -> None:
    """The file and its .br/.gz: the siblings first (the server prefers them), each whole."""
    for kind in ("br", "gz") if brotli is not None else ("gz",):
        sibling = path.with_name(f"{path.name}.{kind}")
        packed = _compressed(data, kind) if len(data) >= MIN_SIZE else b""
        if packed and len(packed) < len(data):
            _write(sibling, packed)
        elif sibling.exists():
            sibling.unlink()
    _write(path, data)


def archived_sites(surveys: Path) -> set[str]:
    """The sites of the archived survey files (``archived/``)."""
    folder = surveys / "archived"
    if not folder.is_dir():
        return set()
    sites = set()
    for path in survey_paths(folder):
        try:
            sites.add(read_survey_file(path).survey.site)
        except SurveyFileError:
            continue
    return sites


def publish(surveys: Path, bundle: Path) -> Published:
    """Every site of the surveys folder into ``bundle`` (see the module's docstring)."""
    started = time.monotonic()
    # SurveyFileError names the file and the field; a folder whose every survey is archived has none.
    folder = read_folder(surveys) if survey_paths(surveys) else SurveyFolder([])
    manifests = _manifests(bundle)
    if not (bundle / "loader.js").is_file() or not manifests:
        raise PublishError(f"{bundle}: no built runtime here yet: run `sondage build` once; the studio then "
                           "publishes surveys without rebuilding it")
    model = next(iter(manifests.values()))
    frame = str(model["frame"])
    if not (bundle / frame).is_file():
        raise PublishError(f"{bundle}: the runtime's frame {frame} is missing: run `sondage build`")
    by_site: dict[str, list[Any]] = {}
    for f in folder.files:
        by_site.setdefault(f.survey.site, []).append(f.survey)
    # A site whose every survey was archived: published with none, so its surveys leave the site.
    for site in archived_sites(surveys):
        if site in manifests and site not in by_site:
            by_site[site] = []
    out = Published()
    for site, site_surveys in sorted(by_site.items()):
        settings = folder.settings_of(site)
        old = manifests.get(site)
        refs: list[dict[str, Any]] = []
        if old is not None:
            try:
                data = json.loads((bundle / str(old["surveys"])).read_text())
                refs = list(data.get("extensions") or [])
                old_extensions = list(data.get("settings", {}).get("extensions") or [])
            except (OSError, ValueError, KeyError) as e:
                raise PublishError(f"{bundle}/{old.get('surveys')}: {e}") from None
        else:
            old_extensions = []
        if settings.extensions != old_extensions:
            raise PublishError(f"sites.yaml: {site}: extensions changed ({', '.join(settings.extensions) or 'none'}; "
                               f"the bundle has {', '.join(old_extensions) or 'none'}): run `sondage build` to "
                               "install them in Pyodide")
        base = (old or model).get("base") or ""
        collector = (old or model).get("collector")
        files = site_files_of(site, site_surveys, settings, refs, frame=frame, collector=collector, base_url=base)
        manifest_name = f"manifests/{site}.json"
        for name, body in sorted(files.items()):
            if name != manifest_name and not ((bundle / name).is_file() and (bundle / name).read_bytes() == body):
                _write_with_siblings(bundle / name, body)
                out.files.append(name)
        _write_with_siblings(bundle / manifest_name, files[manifest_name])   # last: it names the others
        out.files.append(manifest_name)
        out.sites[site] = [s.id for s in site_surveys]
    out.seconds = time.monotonic() - started
    return out


__all__ = ["PublishError", "Published", "publish"]
