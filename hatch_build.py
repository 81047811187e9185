"""The wheel's build hook: an editable install (`pip install -e .`) gets the import hook in
editable/ that maps this checkout's folders to the wheel's packages (see
editable/_sondage_editable.py); a wheel gets nothing more than pyproject.toml says."""

from __future__ import annotations

import os
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class EditableImportHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            pth = os.path.join(self.root, "editable", "_sondage_editable.pth")
            build_data["force_include_editable"][pth] = "_sondage_editable.pth"
