"""The plan's admin, by concern: the structure (goals, measures), projects, the change form that
hands every save to the change engine, change requests, history, and the Excel workbook.

Importing this package registers every admin (Django's autodiscover imports ``plan.admin``).
"""

from plan.admin import change_requests, editions, projects, structure
from plan.admin.base import MeasureListFilter, NormalizedSearchAdmin, PlanContentAdmin, lines

__all__ = [
    "MeasureListFilter",
    "NormalizedSearchAdmin",
    "PlanContentAdmin",
    "change_requests",
    "editions",
    "lines",
    "projects",
    "structure",
]
