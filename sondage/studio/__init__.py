"""The studio: a marketer's web app at ``/studio`` for the surveys folder a server was started
with (``sondage serve --surveys DIR``, ``sondage collector --bundle … --surveys DIR``).

- ``session``: signing in with the admin token, the session cookie and CSRF tokens;
- ``workspace``: the surveys folder (list, create from a template, duplicate, archive, save);
- ``roundtrip``: writing a survey back into its YAML file, keeping what a person wrote;
- ``form``: the editor's fields, generated from the survey format's JSON Schema;
- ``starters``: the templates a survey is created from;
- ``publish``: rebuilding only a site's survey data in the served bundle;
- ``routes``: the pages and actions, behind the session.
"""
