"""The forms of a cycle's publication: the provisional release and its review window, the
announced publication time, queries and their answers, and the pre-release access list. The
timetable rules themselves are in assessments/rules/publication.py, applied by the service, so a
form only reads what was typed."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone

from assessments.forms.fields import DateField
from assessments.models import ProvisionalQuery
from assessments.rules.publication import DEFAULT_TIME


class ProvisionalReleaseForm(forms.Form):
    """The window, the number of assessments the person was shown, and their confirmation."""

    opens_on = DateField(
        label="Review window opens", subject="the date the review window opens", help_text="For example, 2 3 2027"
    )
    closes_on = DateField(
        label="Review window closes",
        subject="the date the review window closes",
        help_text="Organisations can raise queries until the end of this day. For example, 16 3 2027",
    )
    expected = forms.IntegerField(
        min_value=0,
        widget=forms.HiddenInput,
        error_messages={
            "required": "Check the number of assessments to release, then confirm",
            "invalid": "Check the number of assessments to release, then confirm",
            "min_value": "Check the number of assessments to release, then confirm",
        },
    )
    confirm = forms.BooleanField(
        label="Confirm", error_messages={"required": "Confirm that you have checked what will be released"}
    )

    def clean(self):
        cleaned = super().clean()
        for message in self._errors.pop("expected", []):
            self.add_error("confirm", message)
        return cleaned


TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*([ap]m)?\s*$", re.IGNORECASE)


class PublicationDateForm(forms.Form):
    publication_date = DateField(
        label="Publication date", subject="the publication date", help_text="A weekday at least 4 weeks from today"
    )
    publication_time = forms.CharField(
        label="Time",
        initial="9:30am",
        help_text="Official statistics are published at 9:30am. For example, 9:30am",
        error_messages={"required": "Enter the publication time"},
    )
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        help_text="Needed only when you change a date already announced; it is shown with the new date.",
        error_messages={"max_length": "Reason must be 2,000 characters or fewer"},
    )

    def clean_publication_time(self) -> datetime.time:
        match = TIME.match(self.cleaned_data["publication_time"])
        if not match:
            raise forms.ValidationError("Enter the publication time as hours and minutes, for example 9:30am")
        hour, minute, half = int(match[1]), int(match[2]), (match[3] or "").lower()
        if half:
            if not 1 <= hour <= 12:
                raise forms.ValidationError("Enter a real time, for example 9:30am")
            hour = hour % 12 + (12 if half == "pm" else 0)
        if hour > 23 or minute > 59:
            raise forms.ValidationError("Enter a real time, for example 9:30am")
        return datetime.time(hour, minute)

    def publication_at(self) -> datetime.datetime | None:
        day = self.cleaned_data.get("publication_date")
        at = self.cleaned_data.get("publication_time", DEFAULT_TIME)
        if day is None or at is None:
            return None
        return timezone.make_aware(datetime.datetime.combine(day, at))


class QueryForm(forms.Form):
    domain_key = forms.ChoiceField(label="Which domain is your query about?", required=False)
    text = forms.CharField(
        label="Your query",
        max_length=4000,
        widget=forms.Textarea,
        help_text="Say which figure you think is wrong and why. National analysts answer every query.",
        error_messages={
            "required": "Enter your query: say which figure you think is wrong and why",
            "max_length": "Your query must be 4,000 characters or fewer",
        },
    )

    def __init__(self, *args, domains: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain_key"].choices = [("", "Not about one domain"), *domains]
        self.fields["domain_key"].error_messages["invalid_choice"] = "Choose a domain of this assessment, or none"


class QueryResponseForm(forms.Form):
    status = forms.ChoiceField(
        label="Outcome",
        widget=forms.RadioSelect,
        choices=[
            (ProvisionalQuery.Status.ANSWERED, "Answered: the figures stand"),
            (ProvisionalQuery.Status.ACCEPTED, "Accepted: the figures will be corrected before publication"),
        ],
        error_messages={
            "required": "Choose whether the figures stand (answered) or will be corrected (accepted)",
            "invalid_choice": "Choose whether the figures stand (answered) or will be corrected (accepted)",
        },
    )
    response = forms.CharField(
        label="Your response",
        max_length=4000,
        widget=forms.Textarea,
        help_text="The organisation sees this.",
        error_messages={
            "required": "Enter your response: it is shown to the organisation",
            "max_length": "Your response must be 4,000 characters or fewer",
        },
    )


class PreReleaseAccessForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the name"})
    capacity = forms.CharField(
        label="Role and organisation",
        max_length=200,
        help_text="For example, Private secretary, Department of Health and Social Care",
        error_messages={"required": "Enter the role and organisation"},
    )
    reason = forms.CharField(
        label="Why they were given the figures",
        max_length=300,
        error_messages={"required": "Enter the reason", "max_length": "Reason must be 300 characters or fewer"},
    )
    seen_on = DateField(label="Date they were given the figures", subject="the date they were given the figures")
