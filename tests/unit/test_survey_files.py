"""Survey files on disk: a bad file fails with the file, the field and what is wrong."""

import pytest

from build.survey_files import SurveyFileError, read_surveys
from sondage.cli import main

GOOD = """id: s1
site: key
name: S
trigger: {event: go}
questions:
  - id: q
    type: nps
    prompt: How likely are you to recommend us?
"""


def test_reads_a_folder(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "notes.txt").write_text("ignored")
    [f] = read_surveys(tmp_path)
    assert f.survey.id == "s1" and f.path.name == "a.yaml"


def test_field_error_names_file_and_field(tmp_path):
    (tmp_path / "bad.yaml").write_text(GOOD.replace("type: nps", "type: stars"))
    with pytest.raises(SurveyFileError) as e:
        read_surveys(tmp_path)
    assert "bad.yaml: questions[0].type: unknown question type 'stars': not a built-in type (nps, " in str(e.value)


def test_an_extension_type_names_the_extension_that_provides_it(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD.replace("type: nps", "type: slider"))
    with pytest.raises(SurveyFileError) as e:
        read_surveys(tmp_path)
    assert str(e.value).endswith("a.yaml: questions[0].type: unknown question type 'slider': the extension "
                                 "sondage-slider (examples/extensions/slider) provides it; add it to `extensions` "
                                 "of site 'key' in sites.yaml")


def test_yaml_syntax_error_names_line(tmp_path):
    (tmp_path / "broken.yaml").write_text(GOOD + "questions: [unclosed\n")
    with pytest.raises(SurveyFileError) as e:
        read_surveys(tmp_path)
    assert "broken.yaml: line " in str(e.value) and "not valid YAML" in str(e.value)


def test_duplicate_ids_across_files(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(SurveyFileError) as e:
        read_surveys(tmp_path)
    assert "b.yaml: id: survey id 's1' is already used by a.yaml" in str(e.value)


def test_empty_folder_and_empty_file(tmp_path):
    with pytest.raises(SurveyFileError, match="has no survey files"):
        read_surveys(tmp_path)
    (tmp_path / "empty.yaml").write_text("")
    with pytest.raises(SurveyFileError, match="empty.yaml: is empty"):
        read_surveys(tmp_path)


def test_check_command_reports_and_exits_nonzero(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text(GOOD)
    assert main(["check", "--surveys", str(tmp_path)]) == 0
    assert "a.yaml: ok: s1" in capsys.readouterr().out
    (tmp_path / "a.yaml").write_text(GOOD + "colour: red\n")
    assert main(["check", "--surveys", str(tmp_path)]) == 1
    assert "a.yaml: colour: unknown field" in capsys.readouterr().err


def test_check_says_what_only_the_build_checks_for_extensions(capsys):
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples" / "extensions" / "surveys"
    assert main(["check", "--surveys", str(examples)]) == 0
    out = capsys.readouterr().out
    assert "ext-demo-key: extensions ../slider, ../webhook: installed and checked by `sondage build`" in out
    assert "question 'days': type 'slider' and its options come from the site's extensions" in out


def test_build_without_surveys_folder_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(["build"])
    assert "no ./surveys folder" in str(e.value)


def test_sites_file_sets_the_cooldown_and_is_checked(tmp_path):
    from build.survey_files import read_folder
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "sites.yaml").write_text("key:\n  cooldown_hours: 24\n")
    folder = read_folder(tmp_path)
    assert folder.settings_of("key").cooldown_hours == 24
    assert folder.settings_of("other").cooldown_hours == 72          # Iterate's default
    (tmp_path / "sites.yaml").write_text("key:\n  cooldown: 24\n")
    with pytest.raises(SurveyFileError, match=r"sites.yaml: key.cooldown: unknown field"):
        read_folder(tmp_path)
    (tmp_path / "sites.yaml").write_text("nokey:\n  cooldown_hours: 1\n")
    with pytest.raises(SurveyFileError, match="sites.yaml: nokey: no survey file is for this site"):
        read_folder(tmp_path)


def test_yaml_dates_are_read_as_iso_text(tmp_path):
    from build.survey_files import read_survey_file
    (tmp_path / "a.yaml").write_text(GOOD + "audience:\n  traits:\n    rules:\n"
                                     "      - {key: joined, op: greater_than, value: 2024-01-31}\n")
    rule = read_survey_file(tmp_path / "a.yaml").survey.audience.traits.rules[0]
    assert rule.value == "2024-01-31"


def test_precompression_cache_survives_concurrent_identical_files_and_damage(tmp_path, monkeypatch):
    import gzip

    import brotli

    from build import compress
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = tmp_path / "out"
    out.mkdir()
    payload = ("x = 1;\n" * 5000).encode()
    for i in range(8):                       # identical files compress in parallel
        (out / f"same{i}.js").write_bytes(payload)
    compress.precompress(out)
    for i in range(8):
        assert brotli.decompress((out / f"same{i}.js.br").read_bytes()) == payload
        assert gzip.decompress((out / f"same{i}.js.gz").read_bytes()) == payload
    for entry in compress.cache_dir().iterdir():   # damage the cache: it is not trusted
        entry.write_bytes(b"garbage")
    (out / "same0.js.br").unlink()
    compress.precompress(out)
    assert brotli.decompress((out / "same0.js.br").read_bytes()) == payload


def test_survey_files_read_as_yaml_1_2(tmp_path):
    """`choices: [Yes, No]` are two strings (YAML 1.1 would make them booleans)."""
    (tmp_path / "q.yaml").write_text("id: q\nsite: shop\nname: Q\ntrigger: {event: go}\nquestions:\n"
                                     "  - {id: a, type: single_choice, prompt: Sure, choices: [Yes, No, on, off]}\n"
                                     "  - {id: b, type: text, prompt: Why}\nintro: yes\n")
    from build.survey_files import read_folder
    [f] = read_folder(tmp_path).files
    assert f.survey.questions[0].choices == ["Yes", "No", "on", "off"] and f.survey.intro == "yes"
    (tmp_path / "q.yaml").write_text("id: q\nsite: shop\nname: Q\nstatus: published\ntrigger: {event: go}\n"
                                     "questions: [{id: a, type: text, prompt: P}]\nforward: {braze: false}\n")
    [f] = read_folder(tmp_path).files
    assert f.survey.forward.braze is False          # true/false are still booleans
