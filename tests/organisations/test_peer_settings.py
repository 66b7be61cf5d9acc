"""The organisation's lead records its EPR supplier and whether it may be suggested as a peer."""

import pytest
from django.urls import reverse

from organisations.models import Organisation
from tests.wgll.test_every_url import snapshot

pytestmark = pytest.mark.django_db


def url(organisation):
    return reverse("organisations:peer-settings", args=[organisation.ods_code])


def test_organisations_are_suggested_as_peers_unless_they_opt_out_and_have_no_supplier_recorded(world):
    assert world.trust_a.peer_suggestions is True
    assert world.trust_a.epr_supplier == ""


def test_lead_records_the_epr_supplier_and_opts_out_and_it_is_kept_in_the_history(client, world, person):
    lead = person("assessment_lead", world.trust_a)
    client.force_login(lead)

    response = client.post(url(world.trust_a), {"epr_supplier": "epic", "peer_suggestions": "no"})

    assert response.status_code == 302
    trust = Organisation.objects.get(pk=world.trust_a.pk)
    assert (trust.epr_supplier, trust.peer_suggestions) == ("epic", False)
    assert trust.history.first().history_user == lead
    page = client.get(reverse("organisations:detail", args=[trust.ods_code])).content.decode()
    assert "Epic" in page and url(trust) in page


def test_the_form_shows_what_is_recorded(client, world, person):
    Organisation.objects.filter(pk=world.trust_a.pk).update(epr_supplier="tpp", peer_suggestions=False)
    client.force_login(person("assessment_lead", world.trust_a))
    page = client.get(url(world.trust_a)).content.decode()
    assert 'value="tpp" selected' in page
    assert 'value="no" checked' in page


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        ({"epr_supplier": "epic"}, "id_peer_suggestions", "Select whether other organisations can see you as a peer"),
        (
            {"epr_supplier": "clippy", "peer_suggestions": "yes"},
            "id_epr_supplier",
            "Select your EPR supplier from the list",
        ),
    ],
)
def test_bad_input_is_named_in_the_error_summary_and_changes_nothing(client, world, person, data, field_id, message):
    client.force_login(person("assessment_lead", world.trust_a))
    before = snapshot()
    response = client.post(url(world.trust_a), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert f'href="#{field_id}"' in page and message in page and f'id="{field_id}"' in page
    assert page.count("<title>Error: ") == 1
    assert snapshot() == before


@pytest.mark.parametrize(
    ("role", "where", "status"),
    [
        (None, None, 404),
        ("contributor", "trust_a", 403),
        ("approver", "trust_a", 403),
        ("viewer", "trust_a", 403),
        ("assessment_lead", "trust_b", 404),
        ("ics_reviewer", "ics_1", 403),
        ("ics_board_viewer", "ics_1", 403),
        ("national_analyst", None, 403),
    ],
)
def test_only_the_organisations_own_lead_changes_its_peer_settings(client, world, person, role, where, status):
    client.force_login(person(role, getattr(world, where) if where else None))
    before = snapshot()
    assert client.get(url(world.trust_a)).status_code == status
    assert client.post(url(world.trust_a), {"epr_supplier": "epic", "peer_suggestions": "no"}).status_code == status
    assert snapshot() == before
    assert Organisation.objects.get(pk=world.trust_a.pk).peer_suggestions is True


def test_anonymous_people_are_sent_to_sign_in(client, world):
    response = client.get(url(world.trust_a))
    assert response.status_code == 302 and response.url.startswith("/sign-in/")
