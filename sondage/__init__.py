"""Sondage: a web survey runtime in Python that speaks Iterate's embed protocol."""

__version__ = "0.1.0"
