"""Asking colleagues about a domain, and a colleague's answer (one view and an optional comment
for each criterion)."""

from django import forms

from assessments.models import PollRequest


class PollSendForm(forms.Form):
    colleagues = forms.CharField(
        label="Who would you like to ask?",
        help_text="One a line: an e-mail address, or a name and address like Ada Okafor <ada.okafor@nhs.net>.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the e-mail address of at least one colleague"},
    )


class PollAnswerForm(forms.Form):
    def __init__(self, *args, criteria: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        for key, text in criteria:
            self.fields[f"view_{key}"] = forms.ChoiceField(
                label=text,
                choices=PollRequest.View.choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose met, not met or don't know for “{text}”",
                    "invalid_choice": f"Choose met, not met or don't know for “{text}”",
                },
            )
            self.fields[f"comment_{key}"] = forms.CharField(
                label="Comment (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def views(self) -> dict[str, str]:
        return {name[5:]: value for name, value in self.cleaned_data.items() if name.startswith("view_")}

    def comments(self) -> dict[str, str]:
        return {name[8:]: value for name, value in self.cleaned_data.items() if name.startswith("comment_") and value}
