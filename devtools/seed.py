"""Made-up showings and answers for a site's surveys, stored through the collector's own
path (records built by the runtime's record functions, ``Store.add``): for the dashboard's
benchmark and its tests. Deterministic for a given seed."""

from __future__ import annotations

import random
from typing import Any

from runtime.flow import next_index
from runtime.records import answer_record, view_record
from runtime.survey_format import SiteData, Survey
from sondage.collector.database import Store

TEXTS = ("Fast delivery", "Too expensive", "Great support", "The search is slow", "Love the new design",
         "Checkout failed twice", "Nothing to add", "More sizes please")
PAGES = ("https://shop.example/", "https://shop.example/cart", "https://shop.example/product/42",
         "https://shop.example/blog/launch")
PLANS = ("free", "pro", "team")


def _value(survey: Survey, index: int, rng: random.Random) -> Any:
    q = survey.questions[index]
    if q.type == "nps":
        return rng.choices(range(11), weights=(1, 1, 1, 1, 2, 2, 3, 5, 8, 9, 7))[0]
    if q.type == "csat":
        return rng.choices(range(1, 6), weights=(1, 2, 3, 6, 5))[0]
    if q.type == "rating":
        return rng.randint(1, q.scale)
    if q.type in ("single_choice", "dropdown"):
        return rng.choice(q.choices)
    if q.type == "multiple_choice":
        return [c for c in q.choices if rng.random() < 0.4] or [q.choices[0]]
    if q.type == "yes_no":
        return rng.choice(("Yes", "No"))
    if q.type == "email":
        return f"visitor{rng.randint(1, 999)}@example.com"
    if q.type == "number":
        return rng.randint(1, 100)
    if q.type == "date":
        return f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return rng.choice(TEXTS)


def showings(site: SiteData, answers: int, *, seed: int = 1, start: float = 1_780_000_000.0,
             days: int = 30) -> list[dict[str, Any]]:
    """Views and answers until ``answers`` answers are made: some showings are ignored, some
    stop half-way, the rest complete; spread over ``days`` days from ``start``."""
    rng = random.Random(seed)
    surveys = [s for s in site.surveys if s.questions]
    records: list[dict[str, Any]] = []
    made = 0
    n = 0
    while made < answers and surveys:
        survey = rng.choice(surveys)
        n += 1
        now = start + rng.random() * days * 86400
        url = rng.choice(PAGES) + ("?utm_source=mail" if rng.random() < 0.2 else "")
        preview = rng.random() < 0.03
        showing = f"show{seed:04d}{n:010d}"
        records.append(view_record(survey, record_id=f"view{seed:04d}{n:010d}", site=site.site, now=now, url=url,
                                   preview=preview, response_id=showing))
        if rng.random() < 0.3:              # seen, not answered
            continue
        user = {"external_id": f"u-{rng.randint(1, 5000)}", "plan": rng.choice(PLANS)}
        index = 0
        while index < len(survey.questions) and made < answers:
            value = _value(survey, index, rng)
            following = next_index(survey, index, value)
            records.append(answer_record(
                survey, survey.questions[index], value, record_id=f"ans{seed:04d}{n:010d}{index:02d}",
                site=site.site, now=now + index * 5, url=url, user=user, preview=preview, response_id=showing,
                completes_response=following >= len(survey.questions)))
            made += 1
            now += 5
            index = following
            if rng.random() < 0.1:          # left half-way
                break
    return records


def seed_store(store: Store, site: SiteData, answers: int, *, seed: int = 1, batch: int = 2000) -> int:
    """Store made-up showings for ``site``; returns the number of records stored."""
    records = showings(site, answers, seed=seed)
    stored = 0
    for i in range(0, len(records), batch):
        added, _ = store.add(records[i:i + batch])
        stored += len(added)
    return stored
