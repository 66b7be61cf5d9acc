"""The forms of the flag pages: a reviewer's resolution of a validation flag, and the choice of
cycle and kind on the national flag rates page (the triage list's filters are in
assessments/filters.py, shared with the API)."""

from django import forms

from assessments.models import ValidationFlag
from assessments.selectors import cycles


class FlagResolveForm(forms.Form):
    comment = forms.CharField(
        label="Why is this flag resolved?",
        help_text=(
            "For example, what you checked and what the organisation told you. This is kept in the "
            "history, which the organisation's lead can read: do not name other organisations."
        ),
        widget=forms.Textarea,
        error_messages={"required": "Enter why this flag is resolved"},
    )


class FlagRatesForm(forms.Form):
    """The national flag rates page's choice of cycle and kind of flag (a GET form)."""

    cycle = forms.ModelChoiceField(queryset=cycles(), to_field_name="name", label="Assessment cycle", empty_label=None)
    kind = forms.ChoiceField(
        choices=[("", "Any kind"), *ValidationFlag.Kind.choices], required=False, label="Kind of flag"
    )
