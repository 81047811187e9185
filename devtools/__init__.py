"""What the tests and the benchmarks both use, and the product never does: a throwaway
PostgreSQL server (``postgres``), how Chromium is launched (``chromium``), made-up answers
for the dashboard (``seed``). Not part of the wheel; bench/ and tests/ import it from the
checkout, so neither imports the other."""
