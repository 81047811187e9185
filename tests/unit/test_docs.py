"""The documentation's examples are run, so the docs stay true.

Every fenced block of ``docs/**/*.md`` and ``README.md`` is checked by what it is:

- YAML, by its ``title``: ``surveys/<name>.yaml`` is a survey file and ``surveys/sites.yaml``
  the site settings, both read by the build's own reader (``build/survey_files.py``);
  ``collector.yaml`` is the collector's config (``sondage/collector/config.py``); ``part of a
  survey file`` is added to a minimal survey and read the same way; a path of this repository
  must be that file, word for word. A title with ``(bad)`` must fail ``sondage check`` with
  exactly the message of the ``text`` block after it. A YAML block without a title fails.
- ``sh``: every ``sondage`` command parses with the real CLI's parser and every ``make``
  target exists. A command followed by a block titled ``output`` is run, in a folder whose
  ``surveys/`` holds the docs' survey examples, and must print exactly that block.
- ``json`` and ``toml`` parse; ``python`` compiles and runs (the extension example is
  registered and answers); ``js`` passes ``node --check``.

And: the README stays within 300 lines, the architecture page names every module, the
generated references cover every field and option, the performance page's budgets are the
latest benchmark run's.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import typing
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from build.survey_files import SurveyFileError, check_question_types, read_site_settings, read_survey_file
from runtime import protocol
from runtime.survey_format import SiteData, SiteSettings, Survey
from sondage import cli
from sondage.collector.config import load as load_collector_config

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = sorted(DOCS.rglob("*.md")) + [README]
FENCE = re.compile(r'^(?P<indent>[ ]*)(?P<fence>```+)(?P<lang>[\w+-]*)(?:[ ]+title="(?P<title>[^"]*)")?[ ]*$')
# A survey for the examples that show only part of one.
BASE_SURVEY = "id: part\nsite: shop-key\nname: Part\nquestions:\n  - {id: q, type: nps, prompt: Score}\n"
# Commands whose output the tests run and compare: quick, no network, no server.
RUNNABLE = ("snippet", "embed", "check")


@dataclass
class Block:
    page: Path
    line: int
    lang: str
    title: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def read_blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, dedented (blocks inside list items too)."""
    out: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence = m["indent"], m["fence"]
        body: list[str] = []
        j = i + 1
        while j < len(lines) and lines[j].strip() != fence:
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j].lstrip())
            j += 1
        assert j < len(lines), f"{page.relative_to(ROOT)}:{i + 1}: code block never closed"
        out.append(Block(page, i + 1, m["lang"], m["title"] or "", "\n".join(body) + "\n"))
        i = j + 1
    return out


BLOCKS = [b for page in PAGES for b in read_blocks(page)]


def blocks(lang: str) -> list[Block]:
    return [b for b in BLOCKS if b.lang == lang]


def ids(found: list[Block]) -> list[str]:
    return [b.where for b in found]


def next_block(block: Block) -> Block | None:
    same = [b for b in BLOCKS if b.page == block.page]
    later = [b for b in same if b.line > block.line]
    return later[0] if later else None


def is_bad(block: Block) -> bool:
    return "(bad)" in block.title


def survey_examples() -> dict[str, str]:
    """The docs' survey files by path (``surveys/x.yaml``); one path, one content."""
    found: dict[str, tuple[str, str]] = {}
    for b in blocks("yaml"):
        name = b.title
        if is_bad(b) or not re.fullmatch(r"surveys/[\w.-]+\.ya?ml", name) or name.endswith("sites.yaml"):
            continue
        if name in found and found[name][0] != b.text:
            pytest.fail(f"{b.where}: {name} is shown differently at {found[name][1]}: one file, one content")
        found[name] = (b.text, b.where)
    return {name: text for name, (text, _) in found.items()}


def check_yaml(block: Block, tmp: Path) -> None:
    title = block.title
    path = ROOT / title
    if title and "/" in title and path.is_file():
        assert path.read_text(encoding="utf-8") == block.text, f"{block.where}: not the same as {title}"
    name = Path(title).name
    if title.endswith("sites.yaml"):
        (tmp / "sites.yaml").write_text(block.text, encoding="utf-8")
        assert read_site_settings(tmp), f"{block.where}: no site in it"
    elif title == "collector.yaml":
        data = yaml.safe_load(block.text)
        secrets = set(re.findall(r"\b\w+_env:\s*(\w+)", block.text))
        config_file = tmp / "collector.yaml"
        config_file.write_text(block.text, encoding="utf-8")
        environ = {name: "a-secret" for name in secrets}
        text = block.text
        for key in ("admin_token_file", "metrics_token_file"):
            if key in data:  # the example's path is the server's: check the rest of it
                token = tmp / key
                token.write_text("token\n")
                text = text.replace(data[key], str(token))
        config_file.write_text(text, encoding="utf-8")
        load_collector_config(config_file, environ)
    elif "part of a survey file" in title:
        file = tmp / "part.yaml"
        file.write_text(BASE_SURVEY + block.text, encoding="utf-8")
        read_survey_file(file)
    elif name.endswith((".yaml", ".yml")) and (title.startswith("surveys/") or path.is_file()):
        file = tmp / name
        file.write_text(block.text, encoding="utf-8")
        check_question_types([read_survey_file(file)], {})
    else:
        pytest.fail(f"{block.where}: a YAML example must say what it is in its title: surveys/<name>.yaml, "
                    f"surveys/sites.yaml, collector.yaml, 'part of a survey file', or a file of this repository "
                    f"(got {title!r})")


@pytest.mark.parametrize("block", [b for b in blocks("yaml") if not is_bad(b)],
                         ids=ids([b for b in blocks("yaml") if not is_bad(b)]))
def test_every_yaml_example_is_valid(block: Block, tmp_path: Path) -> None:
    try:
        check_yaml(block, tmp_path)
    except (SurveyFileError, ValueError) as e:
        pytest.fail(f"{block.where}: {block.title}: {e}")


def run_cli(argv: list[str], folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(folder)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("block", [b for b in blocks("yaml") if is_bad(b)],
                         ids=ids([b for b in blocks("yaml") if is_bad(b)]))
def test_bad_examples_fail_with_the_message_shown(block: Block, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    shown = next_block(block)
    assert shown is not None and shown.title == "sondage check", \
        f"{block.where}: a bad example is followed by the message `sondage check` prints (a block titled so)"
    name = block.title.replace("(bad)", "").strip()
    (tmp_path / name).parent.mkdir(parents=True)
    (tmp_path / name).write_text(block.text, encoding="utf-8")
    code, _, err = run_cli(["check"], tmp_path, monkeypatch)
    assert code == 1, f"{block.where}: sondage check accepted a bad example"
    assert err.strip() == shown.text.strip(), f"{block.where}: sondage check says something else"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder whose surveys/ holds every survey file the docs show."""
    (tmp_path / "surveys").mkdir()
    for name, text in survey_examples().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_the_docs_surveys_pass_sondage_check_together(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(list((project / "surveys").iterdir())) >= 2
    code, out, err = run_cli(["check"], project, monkeypatch)
    assert code == 0, err


def commands(block: Block) -> list[tuple[int, list[str]]]:
    """The commands of a shell block, as argument lists (with their line), continuations joined."""
    out = []
    text = block.text.replace("\\\n", " ")
    for n, line in enumerate(text.splitlines()):
        words = shlex.split(line, comments=True)
        if words:
            out.append((block.line + 1 + n, words))
    return out


MAKE_TARGETS = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))


@pytest.mark.parametrize("block", blocks("sh"), ids=ids(blocks("sh")))
def test_every_command_shown_parses(block: Block) -> None:
    for line, words in commands(block):
        program = Path(words[0]).name
        if program == "sondage":
            try:
                with contextlib.redirect_stderr(io.StringIO()) as err:
                    cli.parser().parse_args(words[1:])
            except SystemExit:
                pytest.fail(f"{block.page.relative_to(ROOT)}:{line}: {shlex.join(words)}: {err.getvalue().strip()}")
        elif program == "make":
            assert set(words[1:]) <= MAKE_TARGETS, f"{block.page.relative_to(ROOT)}:{line}: no such make target"


OUTPUTS = [(b, o) for b in blocks("sh") if (o := next_block(b)) is not None and o.title == "output"]


@pytest.mark.parametrize(("block", "output"), OUTPUTS, ids=ids([b for b, _ in OUTPUTS]))
def test_every_output_shown_is_what_the_command_prints(block: Block, output: Block, project: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (line, words), = commands(block)
    assert Path(words[0]).name == "sondage" and words[1] in RUNNABLE, \
        f"{block.where}: the tests run only `sondage {'|'.join(RUNNABLE)}` to compare an output"
    code, out, err = run_cli(words[1:], project, monkeypatch)
    assert code == 0, err
    assert out.rstrip("\n") == output.text.rstrip("\n"), f"{output.where}: not what `{shlex.join(words)}` prints"


def test_the_docs_show_commands_and_their_output() -> None:
    assert len(OUTPUTS) >= 5     # the snippet, Braze and CleverTap code, links: this test is no empty loop
    assert len(blocks("yaml")) >= 12 and len([b for b in blocks("yaml") if is_bad(b)]) >= 2
    assert any("part of a survey file" in b.title for b in blocks("yaml"))


@pytest.mark.parametrize("block", blocks("json") + blocks("toml"), ids=ids(blocks("json") + blocks("toml")))
def test_data_examples_parse(block: Block) -> None:
    if block.lang == "json":
        json.loads(block.text)
    else:
        tomllib.loads(block.text)


def test_javascript_examples_are_javascript(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed (make install installs it)"
    found = blocks("js")
    assert found
    for i, block in enumerate(found):
        file = tmp_path / f"example{i}.js"
        # analytics and Iterate are the page's globals; the check is of syntax only.
        file.write_text(block.text, encoding="utf-8")
        done = subprocess.run([node, "--check", str(file)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{block.where}: {done.stderr}"


def run_python(block: Block) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(block.text, block.where, "exec"), namespace)
    return namespace


@pytest.mark.parametrize("block", blocks("python"), ids=ids(blocks("python")))
def test_python_examples_run(block: Block) -> None:
    namespace = run_python(block)
    if "register" in namespace:       # an extension: register it, and answer its question type
        from runtime.extensions import RawAnswer, Registry
        from runtime.survey_format import Question

        registry = Registry()
        registry.load("docs-example", namespace["register"])
        (name, kind), = registry.question_types.items()
        assert registry.forwarders
        question = Question(id="q", type=name, prompt="How far?", options={"min": 0, "max": 10})
        assert kind.parse(RawAnswer(question, "7")) == 7
        with pytest.raises(ValueError):
            kind.parse(RawAnswer(question, "70"))
        if kind.check is not None:
            assert kind.check({"min": 5, "max": 1})
    if "verify" in namespace:         # the webhook receiver's check, against the collector's signature
        from sondage.collector.webhooks import signature

        body = b'{"type": "answer"}'
        assert namespace["verify"](b"s3cret", "1700000000", body, signature("s3cret", "1700000000", body))
        assert not namespace["verify"](b"s3cret", "1700000001", body, signature("s3cret", "1700000000", body))


def test_the_readme_is_short_and_links_to_pages_that_exist() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 300, f"README.md has {len(lines)} lines: the rest belongs in docs/"
    links = re.findall(r"\]\((docs/[^)#]+)(?:#[^)]*)?\)", "\n".join(lines))
    assert links, "the README says where to read on"
    for link in links:
        assert (ROOT / link).is_file(), f"README.md links to {link}: no such page"


def section(page: str, heading: str) -> str:
    text = (DOCS / page).read_text(encoding="utf-8")
    start = next(m.start() for m in re.finditer(r"^## .*$", text, re.M) if heading in m.group())
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else None]


@pytest.mark.parametrize(("folder", "heading", "patterns"), [
    ("runtime", "(`runtime/`)", ("*.py",)),
    ("runtime/vendors", "(`runtime/vendors/`)", ("*.py",)),
    ("static", "(`static/`)", ("*.js", "*.mjs", "*.css", "*.html")),
    ("build", "(`build/`)", ("*.py", "*.mjs")),
    ("sondage", "(`sondage/`)", ("*.py",)),
    ("sondage/collector", "(`sondage/collector/`)", ("*.py",)),
    ("sondage/studio", "(`sondage/studio/`)", ("*.py", "*.js")),
    ("devtools", "(`devtools/`)", ("*.py",)),
])
def test_the_architecture_page_names_every_module(folder: str, heading: str, patterns: tuple[str, ...]) -> None:
    text = section("architecture.md", heading)
    names = sorted({p.name for pattern in patterns for p in (ROOT / folder).glob(pattern)} - {"__init__.py"})
    missing = [n for n in names if f"`{n}`" not in text]
    assert names and not missing, f"docs/architecture.md does not say what {folder}/{missing} hold"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "hooks" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def schema_classes() -> list[type]:
    out: list[type] = [Survey, SiteSettings, SiteData]
    for cls in out:
        for tp in typing.get_type_hints(cls).values():
            stack = [tp]
            while stack:
                t = stack.pop()
                if isinstance(t, type) and is_dataclass(t):
                    if t not in out:
                        out.append(t)
                else:
                    stack.extend(typing.get_args(t))
    return out


def test_the_survey_format_reference_has_every_field_of_the_one_definition() -> None:
    page = load_generator().survey_format_page()
    for cls in schema_classes():
        start = page.index(f"### {cls.__name__} {{#{cls.__name__.lower()}}}")
        end = page.find("\n### ", start + 1)
        text = page[start:end if end >= 0 else None]
        for f in fields(cls):
            row = next((line for line in text.splitlines() if line.startswith(f"| `{f.name}` |")), None)
            assert row is not None, f"{cls.__name__}.{f.name} is missing from the reference"
            words = re.sub(r"\W+", " ", f.metadata["description"].split("`")[0]).split()[:3]
            assert all(w in row.replace("\\", "") for w in words), \
                f"{cls.__name__}.{f.name}: its description is not in {row}"
    assert "`bottom-bar`" in page and "**required**" in page and "`\"#7457be\"`" in page


def test_the_cli_reference_has_every_command_and_option() -> None:
    page = load_generator().cli_page()
    parser = cli.parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert sub.choices
    for name, command in sub.choices.items():
        assert f"## `sondage {name}`" in page
        for action in command._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}`" in page, f"sondage {name} {option} is missing from the CLI reference"


def test_the_javascript_reference_names_every_command_and_callback() -> None:
    text = (DOCS / "reference" / "javascript.md").read_text(encoding="utf-8")
    for name in protocol.COMMANDS + protocol.CALLBACKS:
        assert f"`{name}" in text, f"Iterate('{name}') is missing from docs/reference/javascript.md"


def test_the_performance_page_gives_the_latest_benchmark_budgets() -> None:
    latest = json.loads((ROOT / "bench" / "results" / "latest.json").read_text())
    text = (DOCS / "performance.md").read_text(encoding="utf-8")
    for check in latest["budget"]:
        line = next((x for x in text.splitlines() if check["check"] in x), None)
        assert line is not None, f"docs/performance.md lacks the budget {check['check']!r}"
        words = check["measured"].split(", ")
        shown = f"{len(words)} of {len(words)}" if len(words) > 1 and len(set(words)) == 1 else check["measured"]
        assert line.startswith("- met:" if check["ok"] else "- missed:"), line
        assert line.endswith(shown), f"docs/performance.md: {line!r} is not the latest run's {shown!r}"


if __name__ == "__main__":   # pragma: no cover
    sys.exit(pytest.main([__file__]))
