"""The staff pulse's one page of statements, each answered on the same agree-disagree scale."""

from django import forms

from assessments.rules.pulse import ANSWERS, STATEMENTS


class PulseAnswerForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for statement in STATEMENTS:
            self.fields[statement.key] = forms.ChoiceField(
                label=statement.text,
                choices=ANSWERS,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose an answer for “{statement.text}”",
                    "invalid_choice": f"Choose an answer for “{statement.text}”",
                },
            )
