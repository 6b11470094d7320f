"""A benchmark-only Django app: the flat model of the page benchmark's floor (benchmarks/pages.py).

Installed only by benchmarks/settings.py, never by config.settings: it does not ship with the
application.
"""
