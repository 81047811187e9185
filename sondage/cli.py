"""The ``sondage`` command: build, check, snippet, serve."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from . import __version__
from .catalogue import BundleError


def _surveys_dir(given: str | None) -> Path:
    if given:
        return Path(given)
    default = Path("surveys")
    if default.is_dir():
        return default
    raise SystemExit("sondage: no ./surveys folder here; pass --surveys DIR")


def cmd_build(args: argparse.Namespace) -> int:
    from build.bundle import BuildError, build
    from build.python_bundle import PythonBundleError
    from build.survey_files import SurveyFileError

    started = time.monotonic()

    def progress(step: str) -> None:           # each step as it starts, on stderr
        print(f"[{time.monotonic() - started:5.1f} s] {step}", file=sys.stderr, flush=True)

    try:
        result = build(_surveys_dir(args.surveys), Path(args.out),
                       pyodide_dir=Path(args.pyodide) if args.pyodide else None,
                       base_url=args.base_url or "",
                       collector=None if args.collector == "none" else args.collector, progress=progress)
    except (SurveyFileError, BuildError, PythonBundleError) as e:
        print(f"sondage build: {e}", file=sys.stderr)
        return 1
    total = sum(result.files.values())
    for site, ids in result.sites.items():
        print(f"site {site}: {len(ids)} survey(s): {', '.join(ids)}")
    print(f"wrote {len(result.files)} files ({total / 1e6:.1f} MB, {result.python_modules} Python "
          f"modules) to {result.out} in {time.monotonic() - started:.1f} s")
    return 0


def _read_surveys(args: argparse.Namespace, what: str) -> Any:
    """The survey folder (``--surveys``), or None after saying what is wrong with it."""
    from build.survey_files import SurveyFileError, read_folder

    try:
        return read_folder(_surveys_dir(args.surveys))
    except SurveyFileError as e:
        print(f"sondage {what}: {e}", file=sys.stderr)
        return None


def cmd_check(args: argparse.Namespace) -> int:
    folder = _read_surveys(args, "check")
    if folder is None:
        return 1
    from runtime.extensions import BUILTIN_NAMES

    for site, settings in folder.settings.items():
        print(f"sites.yaml: ok: {site} (cooldown {settings.cooldown_hours:g} h)")
        if settings.extensions:
            print(f"sites.yaml: {site}: extensions {', '.join(settings.extensions)}: installed and checked by "
                  "`sondage build` (in Pyodide), not here")
    for f in folder.files:
        s = f.survey
        print(f"{f.path}: ok: {s.id} (site {s.site}, {len(s.questions)} question(s), "
              f"trigger {s.trigger.type}{' ' + repr(s.trigger.event) if s.trigger.event else ''})")
        for q in s.questions:
            if q.type not in BUILTIN_NAMES:
                print(f"{f.path}: question {q.id!r}: type {q.type!r} and its options come from the site's "
                      "extensions: `sondage build` checks them")
    return 0


def cmd_snippet(args: argparse.Namespace) -> int:
    from .snippet import SnippetError, host_csp, segment_plugin_snippet, snippet

    try:
        html = snippet(args.api_key, args.base_url, install_on_load=not args.no_install_on_load)
        if args.segment_plugin:
            html += "\n" + segment_plugin_snippet()
        print(html)
        if args.csp:
            print(f"\nContent-Security-Policy directives for a page with a strict policy (add to yours):\n"
                  f"{host_csp(html, args.base_url)}", file=sys.stderr)
    except SnippetError as e:
        print(f"sondage snippet: {e}", file=sys.stderr)
        return 2
    return 0


def cmd_collector(args: argparse.Namespace) -> int:
    from .collector.server import start

    config = _collector_config(args, "collector")
    if config is None:
        return 1
    if not config.admin_token:
        print("sondage collector: no admin token (SONDAGE_ADMIN_TOKEN, --admin-token-file or admin_token_file "
              "in --config): answers can be posted but not read", file=sys.stderr)
    try:
        running = start(Path(args.bundle) if args.bundle else None, host=args.host, port=args.port, db=args.db,
                        runtime_host=args.host, verbose=args.verbose, config=config, surveys=_studio_dir(args),
                        integrations=Path(args.integrations) if args.integrations else None)
    except Exception as e:   # a bad URL, an unreachable database: say which, and stop
        print(f"sondage collector: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(f"collector: {running.runtime_url}collect  (database {args.db}: {running.store.migrated})", flush=True)
    if args.surveys:
        print(f"studio:    {running.runtime_url}studio  (surveys {args.surveys})", flush=True)
    running.wait()
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .collector import exports
    from .collector.database import Store

    try:
        since = exports.parse_since(args.since)
        store = Store(args.db)
    except exports.ExportError as e:
        print(f"sondage export: --{e}", file=sys.stderr)
        return 2
    except Exception as e:
        print(f"sondage export: --db {args.db}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    try:
        body, _ = exports.render(args.format, store.export(site=args.site, survey=args.survey, since=since))
    finally:
        store.close()
    if args.out:
        Path(args.out).write_text(body, encoding="utf-8", newline="")
    else:
        sys.stdout.write(body)
    return 0


def cmd_embed(args: argparse.Namespace) -> int:
    from .snippet import SnippetError
    from .survey_pages import embed_html

    folder = _read_surveys(args, "embed")
    if folder is None:
        return 1
    found = [f.survey for f in folder.files if f.survey.id == args.survey_id
             and (args.site is None or f.survey.site == args.site)]
    if not found:
        known = ", ".join(sorted(f"{f.survey.id} (site {f.survey.site})" for f in folder.files)) or "none"
        print(f"sondage embed: no survey {args.survey_id!r}"
              f"{f' on site {args.site!r}' if args.site else ''} in {_surveys_dir(args.surveys)} "
              f"(known: {known})", file=sys.stderr)
        return 1
    if len(found) > 1:
        print(f"sondage embed: survey {args.survey_id!r} exists on several sites "
              f"({', '.join(s.site for s in found)}): pass --site", file=sys.stderr)
        return 1
    survey = found[0]
    from .links import email_html, survey_link
    try:
        if args.kind == "link":
            print(survey_link(args.base_url, survey, args.esp, args.user_property, args.response_property, args.send))
        elif args.kind == "email":
            print(email_html(args.base_url, survey, args.esp, args.user_property, args.response_property, args.send),
                  end="")
        else:
            print(embed_html(args.kind, survey.site, args.base_url, survey.id, title=survey.name, survey=survey,
                             settings=folder.settings_of(survey.site)), end="")
    except SnippetError as e:
        print(f"sondage embed: {e}", file=sys.stderr)
        return 2
    return 0


def _collector_config(args: argparse.Namespace, what: str) -> Any:
    from .collector import config as collector_config

    try:
        config = collector_config.load(Path(args.config) if args.config else None)
    except collector_config.ConfigError as e:
        print(f"sondage {what}: {e}", file=sys.stderr)
        return None
    if args.admin_token_file:
        from .collector.config import admin_token_from
        try:
            config.admin_token = admin_token_from(file=args.admin_token_file)
        except OSError as e:
            print(f"sondage {what}: --admin-token-file: {e}", file=sys.stderr)
            return None
    if args.rate_limit is not None:
        config.rate_per_second = args.rate_limit
    return config


def _studio_dir(args: argparse.Namespace) -> Path | None:
    """The surveys folder the studio edits (--surveys), if one was given."""
    if not args.surveys:
        return None
    folder = Path(args.surveys)
    folder.mkdir(parents=True, exist_ok=True)     # the studio may start from an empty folder
    return folder


def cmd_serve(args: argparse.Namespace) -> int:
    from .collector.server import start

    config = _collector_config(args, "serve")
    if config is None:
        return 1
    demo = Path(args.demo) if args.demo else None
    try:
        running = start(Path(args.bundle), host=args.host, port=args.port, db=args.db, demo=demo,
                        demo_port=args.demo_port, demo_api_key=args.demo_api_key,
                        runtime_host=args.runtime_host, verbose=args.verbose, config=config, demo_token=True,
                        surveys=_studio_dir(args), integrations=Path(args.integrations) if args.integrations else None)
    except (OSError, BundleError) as e:
        print(f"sondage serve: {e}", file=sys.stderr)
        return 1
    print(f"runtime and collector: {running.runtime_url}  (database {args.db})")
    print(f"answers (admin):       {running.runtime_url}responses?token={running.admin_token}")
    print(f"results (admin):       {running.runtime_url}dashboard?token={running.admin_token}")
    print(f"survey gallery (admin): {running.runtime_url}gallery?token={running.admin_token}")
    if args.surveys:
        print(f"studio (admin token):  {running.runtime_url}studio  (surveys {args.surveys})")
    if running.site_url:
        print(f"demo shop:             {running.site_url}")
    print("Ctrl-C stops.", flush=True)
    running.wait()
    return 0


def parser() -> argparse.ArgumentParser:
    from runtime.vendors import registry

    from .links import NONE, esps

    p = argparse.ArgumentParser(prog="sondage", description="Web surveys in Python, in the browser.")
    p.add_argument("--version", action="version", version=f"sondage {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build the static bundle from survey files")
    b.add_argument("--surveys", help="folder of *.yaml survey files (default: ./surveys)")
    b.add_argument("--out", default="dist", help="output folder (default: ./dist)")
    b.add_argument("--base-url", help="URL the bundle will be served from (default: where "
                                      "loader.js was loaded from)")
    b.add_argument("--collector", default="/collect",
                   help="where answers are POSTed, relative to the bundle or absolute; "
                        "'none' for no collector (default: /collect)")
    b.add_argument("--pyodide", help="folder of the npm pyodide package (default: node_modules/pyodide, "
                                     "else fetched once with npm into ~/.cache/sondage)")
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("check", help="validate survey files without building")
    c.add_argument("--surveys", help="folder of *.yaml survey files (default: ./surveys)")
    c.set_defaults(func=cmd_check)

    s = sub.add_parser("snippet", help="print the embed snippet for a site")
    s.add_argument("--api-key", required=True, help="the site's Embed API key (the `site` of its surveys)")
    s.add_argument("--base-url", required=True, help="URL the bundle is served from")
    s.add_argument("--no-install-on-load", action="store_true",
                   help="set installOnLoad: false (nothing loads until Iterate('install') or an event)")
    s.add_argument("--segment-plugin", action="store_true",
                   help="also print the code that registers Sondage as a Segment plugin "
                        "(analytics.register), for sites on Segment without the Iterate destination")
    s.add_argument("--csp", action="store_true",
                   help="also say (on stderr) the Content-Security-Policy directives a page with a strict "
                        "policy needs: the snippet by its hash, the runtime's origin")
    s.set_defaults(func=cmd_snippet)

    embeds = list(registry.embeds())
    e = sub.add_parser("embed", help=f"print what to paste into a {', a '.join(x.title for x in embeds)} or an "
                                     f"email, or a link, for one survey")
    e.add_argument("kind", choices=[*(x.channel for x in embeds), "link", "email"],
                   help="; ".join(f"{x.channel}: a {x.title}" for x in embeds) + "; link: the survey page's link; "
                        "email: the first question as email HTML")
    e.add_argument("--esp", choices=list(esps()), default=NONE,
                   help="link and email: whose merge tags identify the recipient (default: none)")
    e.add_argument("--user-property", action="append", default=[], metavar="NAME=TAG",
                   help="link and email: a user property filled by a merge tag (repeatable)")
    e.add_argument("--response-property", action="append", default=[], metavar="NAME=TAG",
                   help="link and email: a response property filled by a merge tag (repeatable)")
    e.add_argument("--send", metavar="TAG",
                   help="link and email: what names the email send, so each send gets its own answer (a merge "
                        "tag or a name; default: " + ", ".join(
                            f"{v.label}'s {v.link.send}" if v.link.send else f"none for {v.label}"
                            for v in registry.link_vendors() if v.link is not None) + "; '' for none)")
    e.add_argument("survey_id", metavar="SURVEY_ID", help="the survey's id")
    e.add_argument("--base-url", required=True, help="URL the bundle is served from")
    e.add_argument("--site", help="the site (apiKey) the survey belongs to, if its id is on several")
    e.add_argument("--surveys", help="folder of *.yaml survey files (default: ./surveys)")
    e.set_defaults(func=cmd_embed)

    v = sub.add_parser("serve", help="serve a bundle, the collector and (optionally) the demo site")
    v.add_argument("--bundle", default="dist", help="bundle folder (default: ./dist)")
    v.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    v.add_argument("--port", type=int, default=8001, help="runtime + collector port (default: 8001)")
    v.add_argument("--runtime-host", default="localhost",
                   help="host name of the runtime origin in URLs (default: localhost, so the demo "
                        "page at 127.0.0.1 and the runtime are different origins)")
    v.add_argument("--db", default="sondage.db",
                   help="answers: a SQLite file or a postgresql:// URL (default: ./sondage.db)")
    v.add_argument("--demo", help="folder of the demo site to serve on --demo-port")
    v.add_argument("--demo-port", type=int, default=8000, help="demo site port (default: 8000)")
    v.add_argument("--demo-api-key", default="demo-site-key", help="apiKey in the demo's snippet")
    v.add_argument("--verbose", action="store_true", help="log every request")
    _collector_options(v)
    v.set_defaults(func=cmd_serve)

    k = sub.add_parser("collector", help="run the collector alone (answers in SQLite or PostgreSQL)")
    k.add_argument("--db", required=True, help="a SQLite file or a postgresql:// URL")
    k.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    k.add_argument("--port", type=int, default=8002, help="port (default: 8002)")
    k.add_argument("--bundle", help="a built bundle: its files are served too, and its sites' `origins` "
                                    "limit who may post")
    k.add_argument("--verbose", action="store_true", help="log every request")
    _collector_options(k)
    k.set_defaults(func=cmd_collector)

    x = sub.add_parser("export", help="export answers as CSV, JSON or NDJSON")
    x.add_argument("--db", required=True, help="a SQLite file or a postgresql:// URL")
    x.add_argument("--format", choices=["csv", "json", "ndjson"], default="csv", help="default: csv")
    x.add_argument("--survey", help="only this survey's answers")
    x.add_argument("--site", help="only this site's answers")
    x.add_argument("--since", help="only answers given since this ISO date or date-time (UTC)")
    x.add_argument("--out", help="write to this file (default: standard output)")
    x.set_defaults(func=cmd_export)
    return p


def _collector_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="the collector's config file (YAML: webhooks, rate limit, origins)")
    p.add_argument("--surveys", help="the surveys folder the studio (/studio) edits and publishes into the "
                                     "bundle; no studio without it")
    p.add_argument("--integrations", help="the file (mode 0600) where the studio keeps the vendors' settings and "
                                          "secrets (their REST keys); default: ~/.config/sondage/integrations.yaml")
    p.add_argument("--admin-token-file", help="file whose first line is the admin token that reading "
                                              "answers needs (default: $SONDAGE_ADMIN_TOKEN)")
    p.add_argument("--rate-limit", type=float, help="answers' POSTs a client may send a second after a burst "
                                                    "of 120 (default 2; 0 turns the limit off)")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
