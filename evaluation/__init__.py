"""The yearly evaluation round (「進捗評価」): a round per edition and fiscal year, one 「評価票」 per
project, its states from 「未着手」 to 「確定」, tracking (「提出状況」, 「督促」) and the report.

Writes are services (``evaluation.services``); who may do what is asked of accounts/permissions.py;
the KPI actuals a sheet carries go through the one change engine (``plan.changes``).
"""
