"""The plan's records, by concern: the edition's structure and projects, change requests, uploads.

The import path ``plan.models`` stays the one to use; the modules below are its parts.
"""

from plan.models.change_requests import (
    ChangeItem,
    ChangeRequest,
    ChangeRequestEvent,
    ChangeRequestQuerySet,
)
from plan.models.editions import FindingAcknowledgement
from plan.models.history import ChangeAttribution
from plan.models.structure import (
    CELL_TEXT_LIMIT,
    Edition,
    Listing,
    Measure,
    Plan,
    PolicyGoal,
    Project,
    ProjectBureau,
    ProjectQuerySet,
)
from plan.models.uploads import WorkbookUpload

__all__ = [
    "CELL_TEXT_LIMIT",
    "ChangeAttribution",
    "ChangeItem",
    "ChangeRequest",
    "ChangeRequestEvent",
    "ChangeRequestQuerySet",
    "Edition",
    "FindingAcknowledgement",
    "Listing",
    "Measure",
    "Plan",
    "PolicyGoal",
    "Project",
    "ProjectBureau",
    "ProjectQuerySet",
    "WorkbookUpload",
]
