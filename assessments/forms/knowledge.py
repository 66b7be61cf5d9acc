"""The form for sharing a domain's story with the knowledge base."""

from __future__ import annotations

from django import forms

from assessments.services.knowledge import SharedEntry
from framework.knowledge_definition import MAX_BODY, MAX_OUTCOME, MAX_SUMMARY, MAX_TITLE
from framework.models import KnowledgeEntry


def _text(label: str, limit: int, *, required: bool = True, textarea: bool = False, hint: str = "") -> forms.CharField:
    name = label.split(" (")[0]
    return forms.CharField(
        label=label,
        help_text=hint,
        max_length=limit,
        required=required,
        widget=forms.Textarea if textarea else forms.TextInput,
        error_messages={
            "required": f"Enter {name[0].lower() + name[1:]}",
            "max_length": f"{name} must be {limit:,} characters or fewer",
        },
    )


class ShareForm(forms.Form):
    title = _text(
        "Title", MAX_TITLE, hint="What you did, in a few words, for example “Barcode scanning on every ward”."
    )
    summary = _text("Summary", MAX_SUMMARY, textarea=True, hint="Two or three sentences another organisation can skim.")
    body = _text(
        "What you did", MAX_BODY, textarea=True, hint="The steps you took, in order, and what you would do differently."
    )
    outcome = _text("Outcome (optional)", MAX_OUTCOME, required=False, textarea=True)
    contact = _text(
        "Contact",
        200,
        hint=(
            "A role or team other organisations can ask for, for example “Digital programme office”. "
            "Not a person's e-mail."
        ),
    )
    level_from = forms.TypedChoiceField(
        label="Which level did you start from?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the level you started from",
            "invalid_choice": "Select the level you started from",
        },
    )
    cost_band = forms.ChoiceField(
        label="Roughly what did it cost?",
        choices=KnowledgeEntry.CostBand.choices,
        initial=KnowledgeEntry.CostBand.UNKNOWN,
        widget=forms.RadioSelect,
        error_messages={"required": "Select roughly what it cost", "invalid_choice": "Select roughly what it cost"},
    )
    evidence_ids = forms.TypedMultipleChoiceField(
        label="Which evidence links can other organisations see? (optional)",
        help_text="Only web links are shared, never uploaded files.",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select only web links of this domain's evidence"},
    )
    consent = forms.BooleanField(
        label="Our organisation agrees to share this with other NHS organisations",
        required=True,
        error_messages={"required": "Confirm that your organisation agrees to share this with other NHS organisations"},
    )

    def __init__(self, *args, level: int, links: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level_from"].choices = [(n, f"Level {n}") for n in range(1, max(level, 1))]
        self.fields["evidence_ids"].choices = [(item.pk, f"{item.title} ({item.url})") for item in links]

    def entry(self) -> SharedEntry:
        data = self.cleaned_data
        return SharedEntry(
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            outcome=data["outcome"],
            contact=data["contact"],
            level_from=data["level_from"],
            cost_band=data["cost_band"],
            evidence_ids=list(data["evidence_ids"]),
        )
