from django import forms

from assessments.services.peers import MESSAGE_MAX


class PeerRequestForm(forms.Form):
    message = forms.CharField(
        label="What would you like to ask them?",
        help_text="Say what you are working on and what would help: a call, a visit, their business case. "
        "They see your organisation's name and this message; your contact details are shared only if they accept.",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=MESSAGE_MAX,
        error_messages={
            "required": "Enter a message saying what you would like to ask them",
            "max_length": f"The message must be {MESSAGE_MAX} characters or fewer",
        },
    )
