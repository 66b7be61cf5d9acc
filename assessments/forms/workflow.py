"""Forms of the workflow pages: board sign-off, ICS review, extensions and publication. They check
the shape of what was typed; the workflow services decide whether it is allowed, and their
ValidationErrors are mapped back onto these fields (assessments.forms.errors).
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.forms.fields import DateField
from assessments.rules.sign_off import board_meeting_date_problem


class SignOffForm(forms.Form):
    name = forms.CharField(
        label="Name of the person who signed off for the board",
        max_length=200,
        error_messages={
            "required": "Enter the name of the person who signed off for the board",
            "max_length": "Name must be 200 characters or fewer",
        },
    )
    role = forms.CharField(
        label="Their role",
        help_text="For example, Chief Executive or Chair of the board",
        max_length=200,
        error_messages={"required": "Enter their role", "max_length": "Role must be 200 characters or fewer"},
    )
    meeting_date = DateField(
        label="Date of the board meeting", subject="the date of the board meeting", help_text="For example, 27 3 2026"
    )
    minute_reference = forms.CharField(
        label="Board minute reference",
        max_length=100,
        error_messages={
            "required": "Enter the board minute reference",
            "max_length": "Board minute reference must be 100 characters or fewer",
        },
    )
    declaration = forms.BooleanField(
        label="Declaration",
        error_messages={"required": "Confirm that the board has approved this assessment"},
    )

    def __init__(self, *args: Any, cycle_opens_on: datetime.date, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.cycle_opens_on = cycle_opens_on

    def clean_meeting_date(self) -> datetime.date:
        date = self.cleaned_data["meeting_date"]
        problem = board_meeting_date_problem(date, self.cycle_opens_on, timezone.localdate())
        if problem:
            raise ValidationError(problem)
        return date


class ReviewForm(forms.Form):
    VALIDATE, RETURN = "validate", "return"

    decision = forms.ChoiceField(
        label="What is your decision?",
        choices=[
            (VALIDATE, "Validate the assessment"),
            (RETURN, "Return it to the organisation for changes"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether to validate the assessment or return it",
            "invalid_choice": "Select whether to validate the assessment or return it",
        },
    )
    comment = forms.CharField(
        label="Comment",
        help_text="Required when you return the assessment: say what the organisation needs to change.",
        required=False,
        max_length=10_000,
        widget=forms.Textarea,
        error_messages={"max_length": "Comment must be 10,000 characters or fewer"},
    )

    def __init__(self, *args, unresolved_flags: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        if unresolved_flags:
            # The rule itself is the workflow service's; the hint says it before anyone hits it.
            self.fields["comment"].help_text = (
                "Required when you return the assessment: say what the organisation needs to change. "
                "Also required when you validate it while flags are unresolved: say why you are validating."
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Enter what the organisation needs to change")
        return cleaned


class ExtensionForm(forms.Form):
    until = DateField(
        label="Extend the closing date to",
        subject="the end of the extension",
        help_text="It must be after the cycle's closing date. For example, 30 6 2026",
    )
    reason = forms.CharField(
        label="Reason for the extension",
        max_length=10_000,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter the reason for the extension",
            "max_length": "Reason must be 10,000 characters or fewer",
        },
    )
