"""`sondage build`: survey files in, a self-contained static bundle out."""

from pathlib import Path

# The browser's files (loader, frame, worker, widget CSS, the dashboard's charts): static/,
# beside build/ in a checkout and in the installed wheel alike.
STATIC = Path(__file__).resolve().parent.parent / "static"
