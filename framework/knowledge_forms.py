"""The knowledge base's search form: the query and the facet filters, each option labelled with
how many entries choosing it would give."""

from __future__ import annotations

from django import forms

from framework.knowledge_selectors import MAX_QUERY
from framework.measures import LEVELS, SUCCESS_MEASURES
from organisations.models import CareSetting

FACET_FIELDS = ("measure", "domain", "care_setting", "level")


class KnowledgeSearchForm(forms.Form):
    q = forms.CharField(
        label="Search the knowledge base",
        required=False,
        max_length=MAX_QUERY,
        error_messages={"max_length": f"Search words must be {MAX_QUERY} characters or fewer"},
    )
    measure = forms.ChoiceField(label="Success measure", required=False)
    domain = forms.ChoiceField(label="Domain", required=False)
    care_setting = forms.ChoiceField(label="Care setting", required=False)
    level = forms.ChoiceField(label="Your level now", required=False)

    def __init__(self, *args, domains: dict[str, tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        options = {
            "measure": list(SUCCESS_MEASURES.items()),
            "domain": [(key, name) for key, (name, _) in domains.items()],
            "care_setting": list(CareSetting.choices),
            "level": [(str(n), f"Level {n}") for n in LEVELS[:-1]],
        }
        for name, choices in options.items():
            field = self.fields[name]
            field.choices = [("", "Any"), *choices]
            field.error_messages["invalid_choice"] = f"Select one of the {field.label.lower()} options"

    def search_arguments(self) -> dict:
        """The valid parts of what was asked: a bad filter is reported and left out, not guessed."""
        if not self.is_bound:
            return {"query": ""}
        self.is_valid()
        data = self.cleaned_data
        arguments = {name: data.get(name) or None for name in FACET_FIELDS}
        if arguments["level"]:
            arguments["level"] = int(arguments["level"])
        return {"query": data.get("q", "") or "", **arguments}

    def count_choices(self, facets) -> None:
        """Each option labelled with how many entries choosing it would give."""
        for name in FACET_FIELDS:
            counts = {facet.value: facet.count for facet in facets[name]}
            field = self.fields[name]
            field.choices = [
                (value, label if value == "" else f"{label} ({counts.get(value, 0)})") for value, label in field.choices
            ]
