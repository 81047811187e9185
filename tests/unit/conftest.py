from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "surveys"


def make_site_data():
    """A small site with an event survey, a manual one, a page-view one and a draft."""
    return {"format": 1, "site": "shop", "settings": {"cooldown_hours": 0}, "surveys": [
        {"id": "nps", "site": "shop", "name": "NPS", "trigger": {"type": "event", "event": "bought"},
         "questions": [
             {"id": "score", "type": "nps", "prompt": "How likely?", "label": "nps_score"},
             {"id": "why", "type": "text", "prompt": "Why?"}]},
        {"id": "manual", "site": "shop", "name": "Manual", "trigger": {"type": "manual"},
         "questions": [{"id": "pick", "type": "multiple_choice", "prompt": "Pick",
                        "choices": ["a", "b", "c"]}]},
        {"id": "welcome", "site": "shop", "name": "Welcome", "trigger": {"type": "page_view"},
         "frequency": "always",
         "questions": [{"id": "stars", "type": "rating", "prompt": "Rate us", "scale": 5}]},
        {"id": "draft", "site": "shop", "name": "Draft", "status": "draft",
         "trigger": {"type": "event", "event": "bought"},
         "questions": [{"id": "q", "type": "single_choice", "prompt": "Q", "choices": ["x", "y"]}]},
    ]}


@pytest.fixture
def site_data():
    return make_site_data()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 1_700_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


_DATABASES = iter(range(1, 1_000_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The collector's database, once in SQLite and once in PostgreSQL: the same tests run on both."""
    if request.param == "sqlite":
        return str(tmp_path / "answers.db")
    from devtools.postgres import new_database

    return new_database(request.getfixturevalue("postgres"), f"sondage_test_{next(_DATABASES)}")
