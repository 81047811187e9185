"""The collector: where answers arrive, are kept, and are read.

- ``app``: the ASGI application (Starlette): its routes and their middlewares.
- ``routes``, ``admin_routes``: the routes, one small function each (the public ones; those
  behind the admin token).
- ``cors``, ``rate_limit``, ``auth``: the middlewares (where answers may come from; how
  fast a client may send; the admin token).
- ``intake``: checking the records a browser posts.
- ``database``: the answers in SQLite or PostgreSQL (SQLAlchemy; migrations in
  sondage/migrations).
- ``results``, ``exports``, ``pages``: the dashboard's figures; CSV, JSON and NDJSON; the
  pages for people (from the templates in sondage/templates).
- ``webhooks``, ``relay``: the durable queue that sends answers on (signed webhooks; the
  vendors' REST APIs for answers given on a survey's own page).
- ``config``: the collector's configuration and its file; ``server``: serving it
  (``sondage serve``, ``sondage collector``); ``state``, ``replies``: what the routes share.
"""
