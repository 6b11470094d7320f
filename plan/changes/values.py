"""A record's values as a change request stores them (JSON) and reads them back."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from plan.changes.vocabulary import DERIVED_FIELDS, Ref

# --- Values -----------------------------------------------------------------------------------


def tracked_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f for f in model._meta.concrete_fields if not f.primary_key and f.name not in DERIVED_FIELDS
    ]


def normalize_line_endings(value: Any) -> Any:
    """Text with LF line breaks only: browsers send CRLF from textareas, workbook cells hold LF."""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def to_json(value: Any) -> Any:
    if isinstance(value, str):
        return normalize_line_endings(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Ref):
        return {"ref": value.key}
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The record's values as stored in a request (JSON), to compare versions."""
    return {
        f.attname: to_json(getattr(instance, f.attname)) for f in tracked_fields(type(instance))
    }


def field_values(instance: models.Model, names: list[str] | None = None) -> dict[str, Any]:
    """The instance's values (by attname) for the named fields, or for every tracked field."""
    fields = tracked_fields(type(instance))
    if names is not None:
        fields = [f for f in fields if f.name in names or f.attname in names]
    return {f.attname: getattr(instance, f.attname) for f in fields}


def decode(
    model: type[models.Model], stored: dict[str, Any], created: dict[str, int]
) -> dict[str, Any]:
    by_attname = {f.attname: f for f in tracked_fields(model)}
    values = {}
    for attname, value in stored.items():
        if isinstance(value, dict) and "ref" in value:
            values[attname] = created[value["ref"]]
        else:
            values[attname] = normalize_line_endings(by_attname[attname].to_python(value))
    return values


def require_text(value: str, message: str) -> str:
    value = normalize_line_endings(value or "").strip()
    if not value:
        raise ValidationError(message)
    return value
