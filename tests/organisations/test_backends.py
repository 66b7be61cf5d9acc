"""The portal's sign-in backend reads the signed-in person with SQL written once, refuses inactive
people as Django's does, and sessions signed in before it existed stay signed in."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.urls import reverse

from organisations.backends import PATH, PortalModelBackend, _user_by_pk
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_person_is_read_with_sql_written_once_and_inactive_people_are_refused():
    person = UserFactory()
    assert _user_by_pk.is_prepared(person.pk)
    assert PortalModelBackend().get_user(person.pk) == person
    assert PortalModelBackend().get_user(person.pk + 1000) is None
    person.is_active = False
    person.save()
    assert PortalModelBackend().get_user(person.pk) is None


def test_signing_in_records_the_portals_backend(client):
    person = UserFactory()
    person.set_password("a long enough password")
    person.save()
    response = client.post(reverse("login"), {"username": person.email, "password": "a long enough password"})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == PATH


def test_a_session_signed_in_through_djangos_own_backend_stays_signed_in(client):
    person = UserFactory()
    session = client.session
    session[SESSION_KEY] = str(person.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = person.get_session_auth_hash()
    session.save()
    client.cookies["sessionid"] = session.session_key
    response = client.get(reverse("home"))
    assert response.status_code == 200 and "Sign out" in response.content.decode()
    assert client.session[BACKEND_SESSION_KEY] == PATH and client.session[SESSION_KEY] == str(person.pk)
    assert "Sign out" in client.get(reverse("home")).content.decode()
