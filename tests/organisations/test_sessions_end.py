"""Ending a person's sessions signs them out everywhere at their next request, and nobody else."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from organisations.services import sessions_end
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    return client


def _is_signed_out(client: Client) -> bool:
    response = client.get(reverse("home"))
    return response.status_code == 302 and response.url.startswith(reverse("login"))


def test_every_session_of_the_person_ends_and_no_one_elses():
    person, colleague = UserFactory(), UserFactory()
    laptop, phone, theirs = _signed_in(person), _signed_in(person), _signed_in(colleague)

    sessions_end(person)

    assert _is_signed_out(laptop)
    assert _is_signed_out(phone)
    assert not _is_signed_out(theirs)


def test_signing_in_again_afterwards_works():
    person = UserFactory()
    sessions_end(person)
    assert not _is_signed_out(_signed_in(person))


def test_a_rotated_secret_key_keeps_sessions_through_its_fallback():
    person = UserFactory()
    with override_settings(SECRET_KEY="an-old-secret-key-" * 4):
        client = _signed_in(person)
    with override_settings(SECRET_KEY="a-new-secret-key-" * 4, SECRET_KEY_FALLBACKS=["an-old-secret-key-" * 4]):
        assert not _is_signed_out(client)
