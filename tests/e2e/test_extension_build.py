"""`sondage build` with a site's Python extensions: installed by micropip inside the pinned
Pyodide under Node, registered there, compiled to bytecode, shipped as a zip per extension
with micropip's lock; every mistake fails the build with the package (or the file and
field) and the cause, never a visitor's page."""

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from build import wheels
from build.bundle import BuildError, build
from build.extensions import ExtensionBuildError, resolve
from build.survey_files import read_folder

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "extensions"


@pytest.fixture(scope="module")
def built(ext_site):
    return ext_site.bundle       # the examples' bundle the browser tests use too


def _folder(tmp_path, sites_yaml, survey=None, register_body=None):
    """A copy of the example extensions with changes."""
    shutil.copytree(EXAMPLES, tmp_path / "ext", ignore=shutil.ignore_patterns("build", "*.egg-info"))
    (tmp_path / "ext" / "surveys" / "sites.yaml").write_text(sites_yaml)
    if survey is not None:
        (tmp_path / "ext" / "surveys" / "delivery.yaml").write_text(survey)
    if register_body is not None:
        init = tmp_path / "ext" / "slider" / "sondage_slider" / "__init__.py"
        init.write_text(init.read_text().replace(
            "def register(registry: Registry) -> None:\n",
            f"def register(registry: Registry) -> None:\n    {register_body}\n"))
    return tmp_path / "ext" / "surveys"


SITES = """ext-demo-key:
  extensions: [../slider, ../webhook]
  forwarders: [{name: webhook, options: {url: "https://hooks.example/in"}}]
"""
SURVEY = (EXAMPLES / "surveys" / "delivery.yaml").read_text()


def test_extensions_are_shipped_as_bytecode_zips_with_a_lock(built):
    [site_file] = [name for name in built.files if name.startswith("sites/ext-demo-key-") and name.endswith(".json")]
    data = json.loads((built.out / site_file).read_text())
    refs = {e["name"]: e for e in data["extensions"]}
    assert refs["sondage_slider"]["types"] == ["slider"] and refs["sondage_webhook"]["forwarders"] == ["webhook"]
    with zipfile.ZipFile((built.out / "sites" / refs["sondage_slider"]["zip"]).resolve()) as z:
        names = z.namelist()
    assert "sondage_slider/__init__.pyc" in names and "_sondage_templates_sondage_slider.pyc" in names
    assert not [n for n in names if n.endswith(".py")]                    # bytecode only
    lock = json.loads((built.out / "python-lock.json").read_text())
    assert lock["info"]["python"].startswith("3.14")
    assert {p["name"]: p["version"] for p in lock["packages"].values()} == {
        "sondage-slider": "0.1.0", "sondage-webhook": "0.1.0", "Jinja2": "3.1.6", "MarkupSafe": "3.0.3"}
    assert all(len(p["sha256"]) == 64 for p in lock["packages"].values())


def test_a_broken_extension_fails_the_build_naming_the_package(tmp_path):
    surveys = _folder(tmp_path, SITES, register_body="raise RuntimeError('no slider today')")
    with pytest.raises(BuildError, match=r"extension sondage_slider: sondage_slider:register failed:"
                                         r"[\s\S]*RuntimeError: no slider today"):
        build(surveys, tmp_path / "dist")


def test_an_extension_importing_a_module_the_runtime_does_not_ship_fails_the_build(tmp_path):
    """The visitors' runtime ships only the standard library modules it uses: an extension that
    imports another (base64 here; random is only a stub) would fail in the browser, so the
    build fails, naming the extension, its file and line, and the module. An import the
    extension guards with try/except ImportError is its own business."""
    guarded = "try:\n        import base64  # noqa\n    except ImportError:\n        base64 = None\n    "
    for module, why, before in (("base64", "not at all", ""), ("random", "only as a stub", guarded)):
        surveys = _folder(tmp_path / module, SITES, register_body=f"{before}import {module}  # noqa")
        with pytest.raises(BuildError, match=rf"sites.yaml: ext-demo-key.extensions: sondage_slider: "
                                             rf"sondage_slider/__init__.py, line \d+: imports {module}, which the "
                                             rf"visitors' runtime has {why}"):
            build(surveys, tmp_path / module / "dist")


def test_bad_options_of_an_extension_type_name_the_file_and_field(tmp_path):
    surveys = _folder(tmp_path, SITES, survey=SURVEY.replace("min: 1, max: 14", "min: 20, max: 14"))
    with pytest.raises(BuildError, match=r"delivery\.yaml: questions\[0\]\.options: options\.min: 20 is not "
                                         r"below max 14"):
        build(surveys, tmp_path / "dist")


def test_a_forwarder_no_extension_provides_is_named(tmp_path):
    surveys = _folder(tmp_path, SITES.replace("name: webhook", "name: crm"))
    with pytest.raises(Exception, match=r"ext-demo-key\.forwarders: no extension of the site provides 'crm' "
                                        r"\(they provide: webhook\)"):
        build(surveys, tmp_path / "dist")


def test_a_wheel_that_is_not_pure_python_is_refused(tmp_path):
    wheel = tmp_path / "fast_thing-1.0-cp311-cp311-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("fast_thing/__init__.py", "")
    surveys = _folder(tmp_path, f"ext-demo-key:\n  extensions: [{wheel}]\n",
                      survey=SURVEY.replace("type: slider", "type: text").replace(
                          "    options: {min: 1, max: 14, start: 3, unit: \" d\"}\n", ""))
    with pytest.raises(BuildError, match=r"fast_thing is not pure Python \(wheel tags cp311-cp311-linux_x86_64\)"):
        build(surveys, tmp_path / "dist")


def test_a_requirement_comes_from_the_package_index_pip_is_configured_with(tmp_path, monkeypatch):
    import subprocess
    import sys

    from build.bundle import default_pyodide_dir

    surveys = _folder(tmp_path, 'ext-demo-key:\n  extensions: ["sondage-slider==0.1.0"]\n')
    index = tmp_path / "index"          # a private index: the slider's wheel (built from the copy), nothing else
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                    "-w", str(index), str(tmp_path / "ext" / "slider")], check=True, capture_output=True, cwd=tmp_path)
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    resolved = resolve(read_folder(surveys), surveys, default_pyodide_dir())
    [slider] = resolved.extensions
    assert (slider.name, slider.version, slider.types) == ("sondage_slider", "0.1.0", ["slider"])
    (surveys / "sites.yaml").write_text('ext-demo-key:\n  extensions: ["sondage-slider==9.9"]\n')
    with pytest.raises(ExtensionBuildError, match=r"ext-demo-key\.extensions: 'sondage-slider==9\.9': no pure-Python "
                                                  r"wheel of it on the package index"):
        resolve(read_folder(surveys), surveys, default_pyodide_dir())


def test_an_extension_that_is_neither_a_wheel_nor_a_project_is_named(tmp_path):
    surveys = _folder(tmp_path, "ext-demo-key:\n  extensions: [../nothing-here]\n")
    with pytest.raises(ExtensionBuildError, match=r"sites\.yaml: ext-demo-key\.extensions: '\.\./nothing-here': "
                                                  r"neither a \.whl file, a folder with a pyproject\.toml, nor a "
                                                  r"requirement with a version"):
        resolve(read_folder(surveys), surveys, Path("unused"))


def test_a_micropip_wheel_that_cannot_be_fetched_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(wheels, "WHEELS", tmp_path / "no-wheels")
    (tmp_path / "empty-index").mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "empty-index"))
    surveys = _folder(tmp_path, SITES)
    with pytest.raises(ExtensionBuildError, match=r"micropip's wheel: .*no-wheels/micropip-0\.11\.1-py3-none-any\.whl: "
                                                  r"missing, and fetching it from the package index failed"):
        resolve(read_folder(surveys), surveys, Path("unused"))
