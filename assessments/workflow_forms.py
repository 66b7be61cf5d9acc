"""Forms of the workflow pages: board sign-off, ICS review, extensions, publication and assigning
work. They check the shape of what was typed; the workflow services decide whether it is allowed,
and their ValidationErrors are mapped back onto these fields."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from organisations.models import User


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

    def clean_meeting_date(self) -> datetime.date:
        date = self.cleaned_data["meeting_date"]
        if date > timezone.localdate():
            raise ValidationError("The date of the board meeting must be today or in the past")
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


class PublishForm(forms.Form):
    PROVISIONAL, FINAL = "provisional", "final"

    action = forms.ChoiceField(
        choices=[(PROVISIONAL, "Publish a provisional release"), (FINAL, "Publish the final results")],
        error_messages={"required": "Choose a release to publish", "invalid_choice": "Choose a release to publish"},
    )


def _person_label(person: User) -> str:
    name = person.get_full_name()
    return f"{name} ({person.email})" if name else person.email


NOT_ASSIGNED = ""
KEEP = ""
UNASSIGN = "none"


class AssignForm(forms.Form):
    """One select per domain (assignee_<response id>) and a shortcut per measure
    (measure_<measure key>) that assigns every domain of the measure at once."""

    BAD_DOMAIN = "Select domains of this assessment. Reload the page and try again."
    BAD_PERSON = "Select a contributor or lead of this organisation"

    def __init__(self, *args: Any, sections: list, people: list[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.sections = sections
        self.people = {person.pk: person for person in people}
        person_choices = [(str(person.pk), _person_label(person)) for person in people]
        errors = {"invalid_choice": self.BAD_PERSON}
        for section in sections:
            self.fields[f"measure_{section.measure.key}"] = forms.ChoiceField(
                label="Assign the whole measure to",
                choices=[(KEEP, "Choose per domain below"), (UNASSIGN, "Not assigned"), *person_choices],
                required=False,
                error_messages=errors,
            )
            for response in section.responses:
                self.fields[f"assignee_{response.pk}"] = forms.ChoiceField(
                    label=response.domain.name,
                    choices=[(NOT_ASSIGNED, "Not assigned"), *person_choices],
                    required=False,
                    initial=str(response.assignee_id or ""),
                    error_messages=errors,
                )

    def clean(self):
        cleaned = super().clean()
        # A select for a domain or measure this page never showed: a tampered or stale form.
        unknown = [key for key in self.data if key.startswith(("assignee_", "measure_")) and key not in self.fields]
        if unknown:
            raise ValidationError(self.BAD_DOMAIN, code="unknown_domain")
        return cleaned

    def rows(self):
        """(section, measure field, [(response, field)]) for the template."""
        return [
            (
                section,
                self[f"measure_{section.measure.key}"],
                [(response, self[f"assignee_{response.pk}"]) for response in section.responses],
            )
            for section in self.sections
        ]

    def changes(self) -> dict[int | None, list[int]]:
        """Response ids whose assignee changes, grouped by the new assignee's id (None: nobody)."""
        groups: dict[int | None, list[int]] = {}
        for section in self.sections:
            shortcut = self.cleaned_data.get(f"measure_{section.measure.key}") or KEEP
            for response in section.responses:
                chosen = shortcut if shortcut != KEEP else self.cleaned_data.get(f"assignee_{response.pk}", "")
                assignee_id = None if chosen in (NOT_ASSIGNED, UNASSIGN) else int(chosen)
                if assignee_id != response.assignee_id:
                    groups.setdefault(assignee_id, []).append(response.pk)
        return groups

    def field_for_response(self, response_id: int) -> str:
        return f"assignee_{response_id}"
