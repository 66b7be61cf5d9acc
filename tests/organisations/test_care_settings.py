import pytest
from django.urls import reverse

from organisations.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_client(client, world, person):
    client.force_login(person("assessment_lead", world.trust_a))
    return client


def url(world):
    return reverse("organisations:care-settings", args=[world.trust_a.ods_code])


def test_lead_corrects_care_settings_main_first_and_it_is_audited(lead_client, world):
    response = lead_client.post(
        url(world), {"care_settings": ["acute", "mental_health"], "main_care_setting": "mental_health"}
    )

    assert response.status_code == 302
    trust = Organisation.objects.get(pk=world.trust_a.pk)
    assert trust.care_settings == ["mental_health", "acute"]
    assert trust.care_settings_source == "portal"
    change = trust.history.first()
    assert str(change.history_user.pk) == lead_client.session["_auth_user_id"]
    assert change.prev_record.care_settings == ["acute", "community"]


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        ({"main_care_setting": "acute"}, "id_care_settings", "Select at least one care setting"),
        ({"care_settings": ["acute"]}, "id_main_care_setting", "Select your main care setting"),
        (
            {"care_settings": ["acute"], "main_care_setting": "ambulance"},
            "id_main_care_setting",
            "Your main care setting must be one of the care settings you selected",
        ),
        ({"care_settings": ["hospice"], "main_care_setting": "acute"}, "id_care_settings", "Select a valid choice"),
    ],
)
def test_bad_input_shows_an_error_summary_linked_to_the_field_and_changes_nothing(
    lead_client, world, data, field_id, message
):
    response = lead_client.post(url(world), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'href="#{field_id}"' in page
    assert message in page
    assert f'id="{field_id}"' in page  # the link lands on a real input
    assert page.count("<title>Error: ") == 1
    trust = Organisation.objects.get(pk=world.trust_a.pk)
    assert trust.care_settings == ["acute", "community"]


def test_what_was_ticked_stays_ticked_after_an_error(lead_client, world):
    page = lead_client.post(url(world), {"care_settings": ["ambulance", "community"]}).content.decode()
    assert 'value="ambulance" checked' in page
    assert 'value="community" checked' in page
    assert 'value="acute" checked' not in page


def test_icbs_have_no_care_settings_form(lead_client, world, person, client):
    client.force_login(person("assessment_lead", world.icb_1))
    response = client.get(reverse("organisations:care-settings", args=[world.icb_1.ods_code]))
    assert response.status_code == 404
