from django import forms

from organisations.models import CareSetting


class CareSettingsForm(forms.Form):
    care_settings = forms.MultipleChoiceField(
        label="Which care settings does your organisation provide?",
        help_text="Select all that apply. They decide which domains your assessment asks about.",
        choices=CareSetting.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one care setting"},
    )
    main_care_setting = forms.ChoiceField(
        label="Which is your main care setting?",
        help_text="Benchmarks compare you with organisations that have the same main care setting.",
        choices=CareSetting.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select your main care setting"},
    )

    def clean(self):
        cleaned = super().clean()
        selected, main = cleaned.get("care_settings"), cleaned.get("main_care_setting")
        if selected and main and main not in selected:
            self.add_error("main_care_setting", "Your main care setting must be one of the care settings you selected")
        return cleaned

    def ordered_care_settings(self) -> list[str]:
        """Main setting first, then the rest in the standard order."""
        main = self.cleaned_data["main_care_setting"]
        rest = [value for value in CareSetting.values if value in self.cleaned_data["care_settings"] and value != main]
        return [main, *rest]
