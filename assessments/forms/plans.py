"""Forms of the improvement plan pages. They check the shape of what was typed; the plan services
decide whether it is allowed, and their ValidationErrors are put back on these fields."""

from __future__ import annotations

from typing import Any

from django import forms

from assessments.forms.fields import DateField
from assessments.models import PlanAction

LEVEL_CHOICES = [(str(n), f"Level {n}") for n in range(1, 6)]


class VersionForm(forms.Form):
    # The plan version the page was opened at, so a stale save is refused (PlanConflict).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class TargetForm(VersionForm):
    domain = forms.ChoiceField(
        label="Domain",
        error_messages={"required": "Choose a domain", "invalid_choice": "Choose a domain this assessment answers"},
    )
    target_level = forms.TypedChoiceField(
        label="Target level",
        choices=LEVEL_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the target level", "invalid_choice": "Choose a level from 1 to 5"},
    )
    target_date = DateField(label="Date to reach it by", subject="the target date", help_text="For example, 31 3 2027")

    def __init__(self, *args: Any, domains: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = [("", "Choose a domain"), *domains]


class ActionForm(VersionForm):
    description = forms.CharField(
        label="What is to be done",
        max_length=2000,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter what is to be done",
            "max_length": "The action must be 2,000 characters or fewer",
        },
    )
    owner = forms.ChoiceField(
        label="Owner",
        required=False,
        help_text="A person with a role at the organisation. You can choose later, but the plan cannot be "
        "signed off until each target has an action with an owner.",
        error_messages={"invalid_choice": "Choose an owner from the list"},
    )
    due_date = DateField(label="Due date", subject="the due date", help_text="For example, 30 9 2027")
    status = forms.ChoiceField(
        label="Status",
        choices=PlanAction.Status.choices,
        initial=PlanAction.Status.NOT_STARTED,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the action's status", "invalid_choice": "Choose the action's status"},
    )
    dropped_reason = forms.CharField(
        label="Why it was dropped",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        help_text="Needed only when the action is dropped.",
        error_messages={"max_length": "The reason must be 2,000 characters or fewer"},
    )

    def __init__(self, *args: Any, owners: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.people = {str(person.pk): person for person in owners}
        self.fields["owner"].choices = [("", "No owner yet")] + [
            (key, person.get_full_name() or person.email) for key, person in self.people.items()
        ]

    def clean_owner(self) -> Any:
        return self.people.get(self.cleaned_data["owner"])


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why are you reopening the plan?",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        help_text="Kept in the assessment's history.",
        error_messages={"max_length": "The reason must be 2,000 characters or fewer"},
    )
