"""The demo's peers a level ahead: the Royal Free, seeded with the few organisations named for
it, has weak domains with two peers a level ahead each, with reasons, on the peers page and the
domain page (the journey relies on it); and every demo trust has its EPR supplier recorded once."""

import pytest
from django.core.management import call_command
from django.test.utils import override_settings

from assessments import peers as peer_selectors
from assessments.models import Assessment, DomainResponse
from demo.facts import DEMO_TRUST_PEERS, demo_epr_supplier
from demo.history import demo_history_seed
from demo.people import DEMO_TRUST, demo_users_create
from framework.services import DEFINITIONS_DIR, framework_load
from organisations.models import Organisation
from organisations.services import organisations_load_reference_data

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(WGLL_INPROCESS_TASKS="eager"):
        organisations_load_reference_data()
        framework_load(path=DEFINITIONS_DIR)
        demo_users_create()
        demo_history_seed(organisations=[DEMO_TRUST, *DEMO_TRUST_PEERS])
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def _draft():
    return Assessment.objects.select_related("organisation__ics", "cycle").get(
        organisation__ods_code=DEMO_TRUST, cycle__name="2025/26"
    )


def test_the_demo_trusts_weakest_domains_have_two_peers_a_level_ahead_with_reasons(seeded):
    page = peer_selectors.peers_page(_draft())
    assert page.cycle == "2024/25" and page.cycles == ["2024/25", "2023/24"]
    weakest = page.domains[0]
    assert weakest.key == "appointments_online"
    assert len(weakest.peers) >= 2
    assert all(peer.level > weakest.level and peer.reasons for peer in weakest.peers)
    assert weakest.peers[0].sentence.startswith(f"level {weakest.peers[0].level} in Managing appointments online")
    assert "same care setting" in weakest.peers[0].sentence


def test_the_domain_page_of_the_weakest_domain_shows_two_peers(seeded):
    draft = _draft()
    response = DomainResponse.objects.select_related("assessment__organisation__ics", "domain").get(
        assessment=draft, domain__key="appointments_online"
    )
    assert len(peer_selectors.domain_peers(response)) >= 2


def test_demo_trusts_have_their_epr_supplier_recorded_through_the_service(seeded):
    royal_free = Organisation.objects.get(ods_code=DEMO_TRUST)
    assert royal_free.epr_supplier == "oracle_health"
    for organisation in Organisation.objects.filter(ods_code__in=DEMO_TRUST_PEERS):
        assert organisation.epr_supplier == demo_epr_supplier(organisation)
    assert royal_free.history.first().history_user.email == "lead@demo.nhs.uk"


def test_seeding_again_keeps_a_supplier_changed_in_the_portal(seeded, django_capture_on_commit_callbacks):
    Organisation.objects.filter(ods_code=DEMO_TRUST).update(epr_supplier="epic")
    with django_capture_on_commit_callbacks(execute=True):
        demo_history_seed(organisations=[DEMO_TRUST])
    assert Organisation.objects.get(ods_code=DEMO_TRUST).epr_supplier == "epic"
