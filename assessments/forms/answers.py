"""Forms of the answering pages. They check the shape of what was posted; the services decide
what it means (the level is always computed by the scoring rule, never taken from a form)."""

from __future__ import annotations

from django import forms
from django.conf import settings

from assessments.rules.evidence import ALLOWED, ALLOWED_DESCRIPTION, is_web_link
from assessments.services.responses import STALE_PAGE, Answer

COMPLETE_CHOICES = [("yes", "Yes, I've completed this domain"), ("no", "No, I'll come back to it later")]


class AnswerForm(forms.Form):
    """One domain's answer. `criteria` are the domain's (key, text) pairs, so a key of another
    domain (or a made-up one) is refused here with a message, before the service sees it."""

    met_criteria = forms.MultipleChoiceField(
        label="Which criteria does your organisation meet?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select only criteria of this domain"},
    )
    notes = forms.CharField(
        label="Notes (optional)",
        help_text="How you meet the criteria, and what you plan next. Reviewers and your board read these.",
        required=False,
        max_length=10_000,
        strip=False,
        widget=forms.Textarea,
        error_messages={"max_length": "Notes must be 10,000 characters or fewer"},
    )
    complete = forms.ChoiceField(
        label="Have you completed this domain?",
        choices=COMPLETE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you've completed this domain"},
    )
    # The version the person started from: a save over someone else's newer save is refused.
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, criteria: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["met_criteria"].choices = criteria

    def clean(self):
        cleaned = super().clean()
        # A hidden field cannot be corrected by the person, so its error is about the whole page.
        if "version" in self._errors:
            del self._errors["version"]
            self.add_error(None, STALE_PAGE)
        return cleaned

    def answer(self) -> Answer:
        return Answer(
            met_criteria=list(self.cleaned_data["met_criteria"]),
            notes=self.cleaned_data["notes"],
            complete=self.cleaned_data["complete"] == "yes",
        )


class DraftAnswerForm(AnswerForm):
    """The answer as it stood on the page when "Add evidence" was pressed: saved first, so ticks
    and notes typed but not yet saved are never lost. "Completed?" may still be unanswered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["complete"].required = False

    def differs_from(self, response) -> bool:
        """Whether saving would change the stored answer (ticks, notes or completeness)."""
        stored_complete = {"completed": "yes", "in_progress": "no"}.get(response.status, "")
        return (
            set(self.cleaned_data["met_criteria"]) != set(response.met_criteria)
            or self.cleaned_data["notes"] != response.notes
            or (self.cleaned_data["complete"] or "") != stored_complete
        )


class EvidenceForm(forms.Form):
    """Evidence is a file or a link, never both; the file's content is checked by the service."""

    @classmethod
    def refusing(cls, message: str) -> EvidenceForm:
        """An empty form carrying one error on the file: for an upload refused before its body
        was read to the end, when there is nothing of it to bind the form to."""
        form = cls()
        form.cleaned_data = {}  # add_error expects the cleaned data of a form that was checked
        form.add_error("evidence_file", message)
        return form

    title = forms.CharField(
        label="Title (optional)",
        help_text="For example, 'Board paper: digital strategy, March 2025'. Without one, the file name is shown.",
        required=False,
        max_length=200,
        error_messages={"max_length": "Title must be 200 characters or fewer"},
    )
    evidence_file = forms.FileField(
        label="Upload a file",
        help_text=(
            f"{ALLOWED_DESCRIPTION} ({', '.join(sorted(ALLOWED))}), "
            f"smaller than {settings.EVIDENCE_MAX_BYTES // (1024 * 1024)}MB"
        ),
        required=False,
        error_messages={
            "empty": "The selected file is empty",
            "invalid": "Select a file to upload",
            "missing": "Select a file to upload",
        },
    )
    url = forms.URLField(
        label="Or enter a link",
        help_text="A page on your intranet or a shared document, starting with https://",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={
            "invalid": "Enter a link in the correct format, like https://www.example.nhs.uk/board-paper",
            "max_length": "The link must be 500 characters or fewer",
        },
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if url and not is_web_link(url):
            raise forms.ValidationError("The link must start with https:// or http://")
        return url

    def clean(self):
        cleaned = super().clean()
        has_file = bool(cleaned.get("evidence_file"))
        has_url = bool(cleaned.get("url"))
        if self.errors:
            return cleaned
        if not has_file and not has_url:
            self.add_error("evidence_file", "Upload a file or enter a link")
        elif has_file and has_url:
            self.add_error("evidence_file", "Upload a file or enter a link, not both")
        return cleaned
