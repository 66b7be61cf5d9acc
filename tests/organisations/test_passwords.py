"""Password rules: Django's validators plus a common word padded to length is refused."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize(
    "password",
    ["Summer2026!!!", "NHSpassword1!", "P@ssw0rd12345", "Welcome123456", "12345678901234", "Winter-2026-nhs!"],
)
def test_common_passwords_and_padded_common_words_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_the_refusal_says_what_is_wrong_and_what_to_do_instead():
    with pytest.raises(ValidationError) as refused:
        validate_password("Summer2026!!!")
    assert "a common word with numbers or symbols added" in " ".join(refused.value.messages)


@pytest.mark.parametrize("password", ["kettle river orbit", "correct-horse-battery", "Tr0mbone-Lantern-42"])
def test_passphrases_pass(password):
    validate_password(password)
