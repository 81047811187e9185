"""The Sondage runtime: the Python that runs in the visitor's browser on Pyodide.

Everything here is plain Python (importable and tested under CPython) except
``browser.py``, the one module that talks to JavaScript.
"""
