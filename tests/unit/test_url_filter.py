"""The dashboard's "Page URL contains" filter gives the same answer on SQLite and PostgreSQL,
and the answer the page rules' `contains` gives (runtime/targeting.py): case ignored, for
every letter Python's str.lower folds, not only A-Z."""

import itertools

import pytest

from runtime.records import answer_record, view_record
from runtime.survey_format import PageRule, load_site_data
from runtime.targeting import page_rule_holds
from sondage.catalogue import Catalogue
from sondage.collector.database import Store
from sondage.collector.results import Filter, answer_conditions, compute

NOW = 1_780_000_000.0
# Pages as visitors' browsers report them, in every case.
PAGES = ["https://shop.test/checkout", "https://shop.test/Checkout/step-2", "https://SHOP.test/CHECKOUT",
         "https://shop.test/cart", "https://shop.test/CheckOutLater", "https://shop.test/check-out",
         "https://shop.test/CAFÉ/menu", "https://shop.test/café", "https://shop.test/ΣΟΦΙΑ",
         "https://shop.test/Straße", "https://shop.test/STRAẞE", "https://shop.test/İstanbul",
         "https://shop.test/100%25/Sale_Now", "https://shop.test/100%/sale-now"]
# Mixed-case queries, non-ASCII ones, and LIKE's own wildcards (taken literally).
QUERIES = ["/Checkout", "/CHECKOUT", "checkout", "/café", "/CAFÉ", "ΣοΦια", "/straße", "STRASSE", "istanbul",
           "İstanbul", "100%", "sale_now", "%", "_"]
_NAMES = itertools.count()


def _store_pages(store, survey, times):
    records = []
    for n, url in enumerate(PAGES):
        for k in range(times):
            showing = f"show-{n:02d}-{k}"
            records.append(view_record(survey, record_id=f"view-{n:02d}-{k}", site="shop", now=NOW + n, url=url,
                                       preview=False, response_id=showing))
            records.append(answer_record(survey, survey.questions[0], 9, record_id=f"ans-{n:02d}-{k}", site="shop",
                                         now=NOW + n, url=url, user={}, preview=False, response_id=showing,
                                         completes_response=True))
    store.add(records)


def _c_locale_database(server_url):
    """A database whose own lower() folds only A-Z (locale C): the strictest PostgreSQL."""
    import psycopg

    name = f"sondage_url_c_{next(_NAMES)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.mark.parametrize("locale", ["C", "server default"])
def test_page_url_contains_is_the_same_on_sqlite_and_postgresql(postgres, tmp_path, site_data, locale):
    from devtools.postgres import new_database

    site = load_site_data(site_data)
    survey = site.surveys[0]
    catalogue = Catalogue({"shop": site})
    pg_url = _c_locale_database(postgres) if locale == "C" else new_database(postgres, f"sondage_url_{next(_NAMES)}")
    stores = {"sqlite": Store(tmp_path / "answers.db"), "postgresql": Store(pg_url)}
    try:
        for store in stores.values():
            _store_pages(store, survey, times=3)
        for query in QUERIES:
            # What the page rules' `contains` says of each page: the answer both databases must give.
            rule = PageRule(op="contains", value=query, field="url")
            expected = 3 * sum(page_rule_holds(rule, url) for url in PAGES)
            for kind, store in stores.items():
                f = Filter("shop", url=query)
                [result] = [s for s in compute(store, f, catalogue).surveys if s.id == survey.id]
                assert (kind, query, result.responses, result.views) == (kind, query, expected, expected)
                assert len(store.export_where(answer_conditions(f))) == expected       # the CSV download
        # The case: a mixed-case query finds the pages in any case, on both; so do
        # letters beyond A-Z.
        for query, pages in (("/Checkout", 4), ("/CAFÉ", 2), ("ΣοΦια", 1), ("/straße", 2)):
            counts = {kind: compute(store, Filter("shop", url=query), catalogue).surveys[0].responses
                      for kind, store in stores.items()}
            assert counts == {"sqlite": 3 * pages, "postgresql": 3 * pages}, query
    finally:
        for store in stores.values():
            store.close()
