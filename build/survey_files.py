"""Reading ``surveys/*.yaml``: every error names the file, the field and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..runtime.survey_format import FormatError, Survey, load_survey


class SurveyFileError(ValueError):
    def __init__(self, file: Path, message: str) -> None:
        self.file = file
        super().__init__(f"{file}: {message}")


@dataclass
class SurveyFile:
    path: Path
    survey: Survey


def survey_paths(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise SurveyFileError(directory, "no such directory of survey files")
    return sorted(p for p in directory.iterdir()
                  if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith("."))


def read_survey_file(path: Path) -> SurveyFile:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SurveyFileError(path, "is not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise SurveyFileError(path, f"{where}not valid YAML ({e.problem})") from None
    except yaml.YAMLError as e:
        raise SurveyFileError(path, f"not valid YAML ({e})") from None
    if data is None:
        raise SurveyFileError(path, "is empty")
    try:
        return SurveyFile(path, load_survey(data))
    except FormatError as e:
        raise SurveyFileError(path, str(e)) from None


def read_surveys(directory: Path) -> list[SurveyFile]:
    """All survey files of ``directory``, validated; raises on the first bad one."""
    files = [read_survey_file(p) for p in survey_paths(directory)]
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
