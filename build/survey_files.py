"""Reading ``surveys/*.yaml``: every error names the file, the field and what is wrong."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from runtime.extensions import BUILTIN_NAMES
from runtime.survey_format import FormatError, SiteSettings, Survey, load_site_settings, load_survey

SITES_FILE = "sites.yaml"
# The question types of the extensions that come with Sondage (examples/extensions), named
# when a survey uses one its site has not declared.
EXAMPLE_TYPES = {"slider": "sondage-slider (examples/extensions/slider)"}


class SurveyFileError(ValueError):
    def __init__(self, file: Path, message: str) -> None:
        self.file = file
        super().__init__(f"{file}: {message}")


@dataclass
class SurveyFile:
    path: Path
    survey: Survey


@dataclass
class SurveyFolder:
    files: list[SurveyFile]
    settings: dict[str, SiteSettings] = field(default_factory=dict)

    def settings_of(self, site: str) -> SiteSettings:
        return self.settings.get(site) or SiteSettings()


def survey_paths(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise SurveyFileError(directory, "no such directory of survey files")
    return sorted(p for p in directory.iterdir()
                  if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith(".")
                  and p.name != SITES_FILE)


def _plain(value: Any) -> Any:
    """YAML reads 2024-01-31 as a date; the format (like JSON) has ISO text."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1, where yes/no/on/off are booleans: `choices: [Yes, No]` would be
    two booleans. Survey files are read as YAML 1.2 reads them: only true/false are
    booleans, everything else a string (numbers, null and dates as before)."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SurveyFileError(path, "is not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_Yaml12Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise SurveyFileError(path, f"{where}not valid YAML ({e.problem})") from None
    except yaml.YAMLError as e:
        raise SurveyFileError(path, f"not valid YAML ({e})") from None
    if data is None:
        raise SurveyFileError(path, "is empty")
    return _plain(data)


def read_survey_file(path: Path) -> SurveyFile:
    data = _read_yaml(path)
    try:
        return SurveyFile(path, load_survey(data))
    except FormatError as e:
        raise SurveyFileError(path, str(e)) from None


def read_site_settings(directory: Path) -> dict[str, SiteSettings]:
    path = directory / SITES_FILE
    if not path.is_file():
        return {}
    try:
        return load_site_settings(_read_yaml(path))
    except FormatError as e:
        raise SurveyFileError(path, str(e)) from None


def read_folder(directory: Path) -> SurveyFolder:
    """The survey files and site settings of ``directory``, validated. Question types of a
    site with extensions are checked once they are resolved (:func:`check_question_types`)."""
    folder = SurveyFolder(read_surveys(directory, check_types=False), read_site_settings(directory))
    sites = {f.survey.site for f in folder.files}
    for site in folder.settings:
        if site not in sites:
            raise SurveyFileError(directory / SITES_FILE, f"{site}: no survey file is for this site")
    check_question_types([f for f in folder.files if not folder.settings_of(f.survey.site).extensions], {})
    return folder


def check_question_types(files: list[SurveyFile], provided: dict[str, dict[str, str]],
                         known: dict[str, str] | None = None) -> None:
    """Every question's type is built in or provided by an extension of its site
    (``provided``: site -> type -> extension). An unknown one names the extension that
    would provide it (``known``: type -> extension, from every extension the build knows)."""
    known = {**EXAMPLE_TYPES, **(known or {})}
    for f in files:
        mine = provided.get(f.survey.site, {})
        for i, q in enumerate(f.survey.questions):
            if q.type in BUILTIN_NAMES or q.type in mine:
                continue
            where = f"questions[{i}].type: unknown question type {q.type!r}"
            if q.type in known:
                raise SurveyFileError(f.path, f"{where}: the extension {known[q.type]} provides it; add it to "
                                              f"`extensions` of site {f.survey.site!r} in {SITES_FILE}")
            raise SurveyFileError(f.path, f"{where}: not a built-in type ({', '.join(BUILTIN_NAMES)}) and no "
                                          f"extension of site {f.survey.site!r} provides it")


def read_surveys(directory: Path, *, check_types: bool = True) -> list[SurveyFile]:
    """All survey files of ``directory``, validated; raises on the first bad one."""
    files = [read_survey_file(p) for p in survey_paths(directory)]
    if check_types:
        check_question_types(files, {})
    if not files:
        raise SurveyFileError(directory, "has no survey files (*.yaml)")
    seen: dict[tuple[str, str], Path] = {}
    for f in files:
        key = (f.survey.site, f.survey.id)
        if key in seen:
            raise SurveyFileError(f.path, f"id: survey id {f.survey.id!r} is already used by "
                                          f"{seen[key].name} for site {f.survey.site!r}")
        seen[key] = f.path
    return files
