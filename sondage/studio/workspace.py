"""The surveys folder as the studio sees it: the files stay the source of truth.

Survey files are ``<folder>/<name>.yaml`` (what `sondage build` reads); an archived survey is
moved to ``<folder>/archived/`` (kept in git, out of the build). Every file has a version (a
hash of its bytes): a save names the version it was edited from, and a file changed on disk
since then is never overwritten (:class:`Conflict`, with both texts).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from build.survey_files import SITES_FILE, SurveyFileError, read_site_settings, read_survey_file, survey_paths
from runtime.survey_format import ID_PATTERN, SITE_PATTERN, Survey

from .roundtrip import plain, write_over
from .starters import STARTERS, starter_text

ARCHIVED = "archived"
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.ya?ml")


class StudioError(ValueError):
    """Something the person asked that cannot be done; the message says why."""


@dataclass
class Conflict(Exception):
    name: str
    on_disk: str
    ours: str


@dataclass
class Entry:
    name: str                   # the file's name in the folder
    archived: bool
    modified: float
    survey: Survey | None       # None: the file does not read (problem says why)
    problem: str = ""

    @property
    def status(self) -> str:
        if self.archived:
            return "archived"
        return self.survey.status if self.survey else "invalid"


def version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:20]


class Workspace:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    def path(self, name: str, archived: bool = False) -> Path:
        if not FILE_NAME.fullmatch(name) or name == SITES_FILE:
            raise StudioError(f"{name!r} is not a survey file's name")
        return self.folder / ARCHIVED / name if archived else self.folder / name

    def entries(self) -> list[Entry]:
        out = []
        for archived, folder in ((False, self.folder), (True, self.folder / ARCHIVED)):
            if not folder.is_dir():
                continue
            for path in survey_paths(folder):
                try:
                    survey: Survey | None = read_survey_file(path).survey
                    problem = ""
                except SurveyFileError as e:
                    survey, problem = None, str(e)
                out.append(Entry(path.name, archived, path.stat().st_mtime, survey, problem))
        return out

    def live(self) -> list[Entry]:
        return [e for e in self.entries() if not e.archived]

    def read(self, name: str) -> tuple[str, str]:
        """The file's text and version."""
        path = self.path(name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise StudioError(f"no survey file {name!r} in {self.folder}") from None
        return data.decode("utf-8"), version(data)

    def _taken(self, survey_id: str, site: str) -> str | None:
        for e in self.entries():
            if e.survey and e.survey.id == survey_id and e.survey.site == site:
                return e.name
        return None

    def _new_file(self, survey_id: str, site: str, text: str) -> str:
        if not re.fullmatch(ID_PATTERN, survey_id):
            raise StudioError(f"id: {survey_id!r} is not an id (letters, digits, - and _, up to 64)")
        if not re.fullmatch(SITE_PATTERN, site):
            raise StudioError(f"site: {site!r} is not a site key (the snippet's apiKey)")
        with self._lock:
            taken = self._taken(survey_id, site)
            if taken:
                raise StudioError(f"id: site {site!r} already has a survey {survey_id!r} ({taken})")
            name = f"{survey_id}.yaml"
            if self.path(name).exists() or self.path(name, archived=True).exists():
                name = f"{site}-{survey_id}.yaml"
            if self.path(name).exists() or self.path(name, archived=True).exists():
                raise StudioError(f"id: a file {name} is already there")
            self._check(self.path(name), text)
            self.folder.mkdir(parents=True, exist_ok=True)
            _write(self.path(name), text)
        return name

    def create(self, template: str, survey_id: str, site: str, name: str) -> str:
        if template not in STARTERS:
            raise StudioError(f"template: {template!r} is none of {', '.join(STARTERS)}")
        if not name.strip():
            raise StudioError("name: give the survey a name")
        return self._new_file(survey_id, site, starter_text(template, survey_id, site, name.strip()))

    def duplicate(self, name: str, survey_id: str, schema: dict[str, Any]) -> str:
        text, _ = self.read(name)
        survey = read_survey_file(self.path(name)).survey
        copy = write_over(text, {**_data(text), "id": survey_id, "name": f"{survey.name} (copy)",
                                 "status": "draft"}, schema)
        return self._new_file(survey_id, survey.site, copy)

    def archive(self, name: str) -> None:
        with self._lock:
            source = self.path(name)
            if not source.is_file():
                raise StudioError(f"no survey file {name!r}")
            target = self.path(name, archived=True)
            if target.exists():
                raise StudioError(f"{ARCHIVED}/{name} is already there")
            target.parent.mkdir(exist_ok=True)
            os.replace(source, target)

    def restore(self, name: str) -> None:
        with self._lock:
            source, target = self.path(name, archived=True), self.path(name)
            if not source.is_file():
                raise StudioError(f"no archived survey file {name!r}")
            if target.exists():
                raise StudioError(f"{name} is already in the surveys folder")
            os.replace(source, target)

    def save(self, name: str, new: dict[str, Any], base: str, schema: dict[str, Any]) -> str:
        """Write ``new`` into the file, if it is still at version ``base``; its new version."""
        with self._lock:
            text, current = self.read(name)
            if current != base:
                ours = write_over(text, new, schema)
                raise Conflict(name, text, ours)
            out = write_over(text, new, schema)
            if out == text:
                return current
            self._check(self.path(name), out)
            _write(self.path(name), out)
            return version(out.encode("utf-8"))

    def read_sites(self) -> tuple[str, str]:
        """sites.yaml's text (empty when there is none) and version."""
        path = self.folder / SITES_FILE
        data = path.read_bytes() if path.is_file() else b""
        return data.decode("utf-8"), version(data)

    def save_site(self, site: str, new: dict[str, Any], base: str, schema: dict[str, Any]) -> str:
        """Write ``site``'s settings into sites.yaml, if it is still at version ``base``."""
        path = self.folder / SITES_FILE
        with self._lock:
            text, current = self.read_sites()
            whole = {**_data(text), site: new}
            if current != base:
                raise Conflict(SITES_FILE, text, write_over(text, whole, schema))
            out = write_over(text, whole, schema)
            if out == text:
                return current
            try:
                read_site_settings_text(out)
            except SurveyFileError as e:
                raise StudioError(str(e)) from None
            _write(path, out)
            return version(out.encode("utf-8"))

    def _check(self, path: Path, text: str) -> None:
        """The text reads back, with `sondage build`'s reader, as a valid survey."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".studio-", suffix=".yaml",
                                         encoding="utf-8", delete=False) as tmp:
            tmp.write(text)
        try:
            read_survey_file(Path(tmp.name))
        except SurveyFileError as e:
            raise StudioError(str(e).replace(tmp.name, path.name)) from None
        finally:
            os.unlink(tmp.name)


def read_site_settings_text(text: str) -> None:
    """sites.yaml's text, read as `sondage build` reads it (raises SurveyFileError)."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / SITES_FILE).write_text(text, encoding="utf-8")
        read_site_settings(Path(folder))


def _data(text: str) -> dict[str, Any]:
    from .roundtrip import Document

    data = plain(Document(text).data)
    return data if isinstance(data, dict) else {}


def _write(path: Path, text: str) -> None:
    """Atomically: a reader (git, the build) never sees half a file."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".studio-", suffix=".tmp",
                                     encoding="utf-8", delete=False) as tmp:
        tmp.write(text)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, path)
