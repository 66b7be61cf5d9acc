"""Putting a service's ValidationError on the form the person filled in."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(
    form: forms.Form, error: ValidationError, fields: Mapping[str, str | None] | None = None
) -> None:
    """Each message on the field it names (renamed through `fields` where the service's name for
    it differs from the form's), or above the form when it names no field of this form, so the
    error summary links every message to what needs changing."""
    fields = fields or {}
    by_field = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for key, messages in by_field.items():
        target = fields.get(key, key) if key else None
        for message in messages:
            form.add_error(target if target in form.fields else None, message)
