"""Form fields in the NHS service manual's patterns, shared by the assessment's forms."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError


class DateInputWidget(forms.MultiWidget):
    """Day, month and year boxes (the NHS date input): <name>_day, <name>_month, <name>_year."""

    def __init__(self, attrs=None):
        super().__init__(
            widgets={"day": forms.TextInput, "month": forms.TextInput, "year": forms.TextInput}, attrs=attrs
        )

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        return ["", "", ""]


class DateField(forms.MultiValueField):
    """A date typed into three boxes, with the NHS service manual's error messages.

    `subject` names the date in messages, e.g. "the date of the board meeting" gives "Enter the
    date of the board meeting" and "The date of the board meeting must be a real date".
    """

    widget = DateInputWidget

    def __init__(self, *, subject: str, **kwargs):
        self.subject = subject
        fields = (forms.CharField(required=False), forms.CharField(required=False), forms.CharField(required=False))
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def prepare_value(self, value):
        # The template always gets [day, month, year], whether from the initial date or what was typed.
        if isinstance(value, datetime.date):
            return self.widget.decompress(value)
        return value or ["", "", ""]

    def compress(self, data_list):  # pragma: no cover - clean() below does the whole job
        return data_list

    def clean(self, value):
        parts = [str(part or "").strip() for part in (value or ["", "", ""])]
        day, month, year = [*parts, "", "", ""][:3]
        subject = self.subject[0].upper() + self.subject[1:]
        if not (day or month or year):
            if self.required:
                raise ValidationError(f"Enter {self.subject}", code="required")
            return None
        missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
        if missing:
            raise ValidationError(f"{subject} must include a {' and a '.join(missing)}", code="incomplete")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError(f"{subject} must be a real date", code="invalid")
        if len(year) != 4:
            raise ValidationError("Year must include 4 numbers", code="invalid")
        try:
            date = datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{subject} must be a real date", code="invalid") from None
        self.run_validators(date)
        return date
