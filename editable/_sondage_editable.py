"""`pip install -e .`: the import paths of the installed wheel, read from this checkout.

The wheel maps folders of the checkout into one package (``sondage`` <- sondage/,
``sondage.runtime`` <- runtime/, ``sondage.build`` <- build/, ``sondage.static`` <- static/),
which hatchling's own editable install cannot do (it refuses a ``sources`` rewrite that adds
a prefix). This finder does it: exactly those four names, each found in its folder by
Python's own path finder (so ``sondage.static``, which has no ``__init__.py``, is the same
namespace package as in the wheel), and nothing else of the checkout becomes importable.
hatch_build.py puts _sondage_editable.pth (``import _sondage_editable``) into site-packages;
this folder is on the path through ``dev-mode-dirs`` in pyproject.toml.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec, PathFinder
from pathlib import Path
from types import ModuleType

CHECKOUT = str(Path(__file__).resolve().parent.parent)
# The wheel's packages: each is the folder of the checkout named by its last part
# (sondage/, runtime/, build/, static/), which Python's path finder finds under CHECKOUT.
PACKAGES = frozenset({"sondage", "sondage.runtime", "sondage.build", "sondage.static"})


class SondageCheckoutFinder:
    @classmethod
    def find_spec(cls, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname not in PACKAGES:
            return None
        return PathFinder.find_spec(fullname, [CHECKOUT])


# After Python's own finders, as for any installed package: a folder on PYTHONPATH or the
# current folder still comes first.
if SondageCheckoutFinder not in sys.meta_path:
    sys.meta_path.append(SondageCheckoutFinder)
