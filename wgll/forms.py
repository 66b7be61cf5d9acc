from django import forms
from django.contrib.auth.forms import AuthenticationForm

from organisations.models import normalise_email


class SignInForm(AuthenticationForm):
    """Django's sign-in form with labels and messages in the NHS service manual's words."""

    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@nhs.net",
        },
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )
    error_messages = {
        # Only the password is case-sensitive: the address is matched whatever its case.
        "invalid_login": "Enter a correct email address and password.",
        "inactive": "This account is inactive. Contact your organisation's assessment lead.",
    }

    def clean_username(self) -> str:
        # Authenticate, and count any failure, against the address as it is stored.
        return normalise_email(self.cleaned_data["username"])
