from django import forms

from organisations.models import CareSetting, EprSupplier


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


class PeerSettingsForm(forms.Form):
    epr_supplier = forms.ChoiceField(
        label="Who supplies your main electronic patient record (EPR)?",
        help_text="Organisations on the same system are suggested first: what worked for them is more likely "
        "to work for you.",
        choices=[("", "Not recorded"), *EprSupplier.choices],
        required=False,
        error_messages={"invalid_choice": "Select your EPR supplier from the list"},
    )
    peer_suggestions = forms.ChoiceField(
        label="Can other organisations see you as a peer a level ahead?",
        help_text="When you have reached a higher level in a domain, organisations working on it may be shown your "
        "published level and ask to get in touch. Nobody sees your contact details unless your lead accepts.",
        choices=[("yes", "Yes, suggest us to other organisations"), ("no", "No, do not suggest us")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether other organisations can see you as a peer",
            "invalid_choice": "Select whether other organisations can see you as a peer",
        },
    )


TEAM_ROLE_CHOICES = [
    ("contributor", "Contributor: answers the domains assigned to them"),
    ("viewer", "Viewer: reads the assessment, its results and reports, changes nothing"),
]


class InvitationForm(forms.Form):
    email = forms.CharField(
        label="E-mail address",
        help_text="We will send them a link to join. It works once and expires after a week.",
        max_length=254,
        error_messages={"required": "Enter the e-mail address of the person you want to invite"},
    )
    role = forms.ChoiceField(
        label="What will they do?",
        choices=TEAM_ROLE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether they will be a contributor or a viewer",
            "invalid_choice": "Select whether they will be a contributor or a viewer",
        },
    )


class TeamRoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=TEAM_ROLE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select contributor or viewer", "invalid_choice": "Select contributor or viewer"},
    )


class NewAccountForm(forms.Form):
    """The invited person's own account. The password rules are Django's validators, checked by
    the service with the rest, so the errors arrive here as field errors."""

    first_name = forms.CharField(label="First name", required=False)
    last_name = forms.CharField(label="Last name", required=False)
    job_title = forms.CharField(label="Job title (optional)", required=False)
    password = forms.CharField(label="Create a password", required=False, strip=False)
    password_again = forms.CharField(label="Type the password again", required=False, strip=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("password"):
            self.add_error("password", "Enter a password")
        elif cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", "The passwords do not match")
        return cleaned


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        help_text="What will use it, so you can tell your tokens apart, for example 'Power BI refresh'.",
        required=False,
    )
    days = forms.TypedChoiceField(
        label="When should it expire?",
        choices=[(30, "After 30 days"), (90, "After 90 days"), (365, "After a year")],
        coerce=int,
        widget=forms.RadioSelect,
        initial=90,
        error_messages={"required": "Choose when the token expires", "invalid_choice": "Choose when the token expires"},
    )
