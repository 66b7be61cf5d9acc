"""The form of the team page: delegating domains to contributors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from organisations.models import User


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
