"""One module per vendor, behind one interface (as Segment analytics-next's destinations).

- ``base``: the interface (:class:`base.Vendor`: what a vendor contributes in the page, in
  its embed, in links and emails and in the collector's relay) and what vendors share.
- ``braze``, ``clevertap``: all of Braze, all of CleverTap (Segment's page side is
  ``runtime/segment_plugin.py``).
- ``registry``: the vendors by name; everything else works through it.
"""
