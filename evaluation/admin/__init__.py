"""The evaluation's admin: rounds (open, 提出状況, 督促, close, report) and sheets (the page the
bureaus fill in and the coordinators return or confirm). Importing it registers both."""

from evaluation.admin import rounds, sheets

__all__ = ["rounds", "sheets"]
