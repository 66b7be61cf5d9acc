"""The person's choice of reminders, on their notifications page."""

from django import forms


class RemindersForm(forms.Form):
    wants_reminders = forms.TypedChoiceField(
        label="Reminders",
        help_text=(
            "Reminders tell you about domains to finish before the closing date and about work waiting for you "
            "(a sign-off, changes, a review). E-mails about a change as it happens still come either way."
        ),
        choices=[("yes", "Send me reminders"), ("no", "Do not send me reminders")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether to get reminders",
            "invalid_choice": "Choose whether to get reminders",
        },
    )
