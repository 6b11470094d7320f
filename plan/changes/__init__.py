"""The change engine: the one way the official record changes.

Every write to the plan, whichever door it comes in by (the admin's forms and deletions, Excel
imports, a restore from history, commands), is a list of ``ProposedChange`` records handed to
``change_propose``:

- bureau staff's changes become a change request (変更申請, ``change_request_submit``) and the
  official record does not change until a coordinator approves it (``change_request_approve``;
  or ``_return``, ``_reject``; the submitter may ``change_request_withdraw``);
- a coordinator's own changes are recorded the same way and applied at once (``change_direct_apply``).

Applying (``apply_items``) locks every target row, checks that each is still the version the
request was based on, and applies everything in one transaction or nothing (``ChangeConflict``).
History rows are stamped with the request, its proposer and its approver (``history``).

Who may do what is asked of ``accounts.permissions``; nothing is decided here. The engine imports
no use case (the workbook import, for one, calls it, never the reverse).

Modules: ``vocabulary`` (the records of a change), ``values`` (stored JSON values), ``authorise``,
``scope`` (one task, one request), ``submit``, ``decide``, ``apply``, ``restore``, ``diff`` (before → after for people), ``history``,
``notifications``.
"""

from plan.changes.apply import apply_items
from plan.changes.authorise import (
    bureaus_concerned,
    check_bureau_assignment,
    check_change_allowed,
    check_changes,
    check_editions_open,
    editions_touched,
)
from plan.changes.decide import (
    change_request_approve,
    change_request_reject,
    change_request_return,
    change_request_withdraw,
)
from plan.changes.restore import project_restore
from plan.changes.scope import (
    RequestScope,
    open_request_for_task,
    open_requests_for_task,
    open_requests_touching,
)
from plan.changes.submit import (
    Proposal,
    change_direct_apply,
    change_propose,
    change_request_submit,
)
from plan.changes.values import (
    decode,
    field_values,
    normalize_line_endings,
    snapshot,
    to_json,
    tracked_fields,
)
from plan.changes.vocabulary import (
    CHANGEABLE_MODELS,
    ChangeConflict,
    ChangeGroup,
    EditionFrozen,
    ProposedChange,
    Ref,
    RequestRevised,
    replace_listings,
    replace_ordered_links,
)

__all__ = [
    "CHANGEABLE_MODELS",
    "ChangeConflict",
    "ChangeGroup",
    "EditionFrozen",
    "Proposal",
    "ProposedChange",
    "Ref",
    "RequestRevised",
    "RequestScope",
    "apply_items",
    "bureaus_concerned",
    "change_direct_apply",
    "change_propose",
    "change_request_approve",
    "change_request_reject",
    "change_request_return",
    "change_request_submit",
    "change_request_withdraw",
    "check_bureau_assignment",
    "check_change_allowed",
    "check_changes",
    "check_editions_open",
    "decode",
    "editions_touched",
    "field_values",
    "normalize_line_endings",
    "open_request_for_task",
    "open_requests_for_task",
    "open_requests_touching",
    "project_restore",
    "replace_listings",
    "replace_ordered_links",
    "snapshot",
    "to_json",
    "tracked_fields",
]
