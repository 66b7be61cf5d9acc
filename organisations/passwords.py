"""A password check beside Django's own: a common word dressed up with digits and symbols.

Django's CommonPasswordValidator knows 20,000 leaked passwords, but with the portal's 12-character
minimum people reach for "Summer2026!!" or "NHSpassword1": a word everyone guesses first, padded to
length. Password sprayers try exactly these, so the letters are checked on their own, against
Django's list and the words of this service and season.
"""

from __future__ import annotations

import re
from functools import cache

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

SERVICE_WORDS = {
    "nhs", "nhsmail", "nhsdigital", "nhsengland", "trust", "hospital", "health", "digital", "maturity",
    "wgll", "welcome", "password", "passw", "letmein", "changeme", "qwerty", "admin", "winter", "spring",
    "summer", "autumn", "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
}  # fmt: skip


@cache
def _common_words() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords) | SERVICE_WORDS


LEET = str.maketrans("@$0!1|3", "asoiile")


def _readings(password: str) -> set[str]:
    """The letters of the password read two ways: as typed, and with leet spellings inside it undone
    ("P@ssw0rd2026" reads as "password"); digits and symbols padding either end are padding."""
    lower = password.lower()
    core = re.sub(r"^[^a-z]+|[^a-z]+$", "", lower)
    return {re.sub(r"[^a-z]", "", lower), re.sub(r"[^a-z]", "", core.translate(LEET))}


def _is_common(letters: str, words: frozenset[str]) -> bool:
    if not letters or letters in words:
        return True
    return any(letters[:cut] in words and letters[cut:] in words for cut in range(1, len(letters)))


class PaddedCommonWordValidator:
    """Refuses a password whose letters, without its digits and symbols, are a common word (or two)."""

    def validate(self, password: str, user=None) -> None:
        words = _common_words()
        if any(_is_common(letters, words) for letters in _readings(password)):
            raise ValidationError(
                "This password is a common word with numbers or symbols added. "
                "Use three or more random words instead, like 'kettle river orbit'.",
                code="password_padded_common_word",
            )

    def get_help_text(self) -> str:
        return "Your password cannot be a common word with numbers or symbols added."
