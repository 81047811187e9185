"""How the tests and the benchmark launch Debian's chromium: as a visitor's browser would
behave, minus the network chatter of a fresh profile."""

from __future__ import annotations

ARGS = [
    "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
    # Playwright turns off ThirdPartyStoragePartitioning (on by default in Chromium since
    # 115), which leaves a cross-origin frame, like the survey frame, with no storage at all:
    # Cache Storage, IndexedDB and localStorage all throw SecurityError. Chromium keeps the
    # last --disable-features it is given, so this list (Playwright's own, less that one)
    # replaces Playwright's, and the frame gets the partitioned storage visitors' browsers give it.
    "--disable-features=AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,HttpsUpgrades,"
    "HttpsFirstBalancedModeAutoEnable,LensOverlay,MediaRouter,PaintHolding,AvoidCorsURLLoaderRestartOnRedirect,"
    "OptimizationHints,NetworkTimeServiceQuerying,AimEnabled,PreconnectToSearch",
]
