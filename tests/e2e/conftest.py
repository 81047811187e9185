"""The e2e modules' helpers; the fixtures are in tests/conftest.py, shared with tests/hostile."""

from tests.conftest import POSITIONS, ROOT, SEGMENT_SNIPPET, route_segment

__all__ = ["POSITIONS", "ROOT", "SEGMENT_SNIPPET", "route_segment"]
