"""The domain page's "Blueprints that could help": entries for the domain that start at or below
the organisation's level in it and take it further, for its care settings, at most three."""

import pytest
from django.urls import reverse

from framework.knowledge_selectors import blueprints_for_domain
from framework.models import KnowledgeEntry
from tests.assessments.conftest import complete_everything

pytestmark = pytest.mark.django_db


def entry(key, *, level_from=1, level_to=3, settings=("acute",), domain="strategy", **extra):
    return KnowledgeEntry.objects.create(
        key=key,
        kind=extra.pop("kind", "blueprint"),
        title=extra.pop("title", key.replace("-", " ").capitalize()),
        summary="Summary",
        body="Body",
        author_name="Programme",
        care_settings=list(settings),
        domain_keys=[domain],
        measure_keys=["well_led"],
        level_from=level_from,
        level_to=level_to,
        source_file="test.yaml",
        **extra,
    )


def domain_url(assessment):
    return reverse("assessments:domain", args=[assessment.cycle.slug, assessment.organisation.ods_code, "strategy"])


def test_the_domain_page_lists_entries_that_take_the_organisation_further(client, assessment, team):
    complete_everything(assessment, team["lead"], level=2)
    entry("from-two-to-four", level_from=2, level_to=4)
    entry("from-one-to-two", level_from=1, level_to=2)  # already behind it: only a fallback
    entry("for-ambulances", level_from=2, level_to=4, settings=("ambulance",))
    entry("other-domain", level_from=2, level_to=4, domain="infra")
    entry("unpublished", level_from=2, level_to=4, status=KnowledgeEntry.Status.UNPUBLISHED)
    client.force_login(team["viewer"])
    page = client.get(domain_url(assessment)).content.decode()
    assert "Blueprints that could help" in page
    assert page.index("From two to four") < page.index("From one to two")
    for absent in ("For ambulances", "Other domain", "Unpublished"):
        assert absent not in page
    assert f"{reverse('knowledge:search')}?domain=strategy" in page
    assert "Share what your organisation did" not in page  # a viewer, and a draft


def test_at_most_three_are_suggested_matching_ones_first():
    for n in range(3):
        entry(f"behind-{n}", level_from=1, level_to=2, title=f"A behind {n}")
    entry("ahead", level_from=3, level_to=5, title="Z ahead")
    found = blueprints_for_domain("strategy", level=3, care_settings=["acute"])
    assert [e.key for e in found] == ["ahead", "behind-0", "behind-1"]


def test_an_organisation_at_level_0_gets_the_entries_that_start_at_level_1():
    entry("starter", level_from=1, level_to=2, title="Z starter")
    entry("later", level_from=2, level_to=4, title="A later")
    assert [e.key for e in blueprints_for_domain("strategy", level=0, care_settings=["acute"])] == ["starter", "later"]


def test_system_level_entries_fit_every_setting_and_an_icb_sees_every_entry():
    entry("system-wide", settings=())
    entry("ambulance-only", settings=("ambulance",))
    assert [e.key for e in blueprints_for_domain("strategy", level=1, care_settings=["acute"])] == ["system-wide"]
    assert {e.key for e in blueprints_for_domain("strategy", level=1, care_settings=[])} == {
        "system-wide",
        "ambulance-only",
    }


def test_a_domain_key_that_is_part_of_another_is_not_mistaken_for_it():
    entry("strategy-plus", domain="strategy_plus")
    assert blueprints_for_domain("strategy", level=1, care_settings=["acute"]) == []
