"""The form of the flag page: a reviewer's resolution of a validation flag."""

from django import forms


class FlagResolveForm(forms.Form):
    comment = forms.CharField(
        label="Why is this flag resolved?",
        help_text="For example, what you checked and what the organisation told you. This is kept in the history.",
        widget=forms.Textarea,
        error_messages={"required": "Enter why this flag is resolved"},
    )
