"""Editions (「版」) as a whole: publishing and freezing, the checks before publishing
(「公表前チェック」), creating the next edition from a published one, comparing two editions
(「版の比較」), and rendering
the published collection (print HTML, PDF, static export).

Modules: ``checks`` (one small function per check; findings as data), ``lifecycle`` (the services
``edition_publish``, ``edition_findings_acknowledge``, ``edition_create_next``), ``compare``,
``render``.
"""
