"""Sign-in defences against the attacks an outside tester made: lockout that a stranger cannot turn
against a named person, password spraying, addresses behind the TLS proxy, and no way to tell an
unknown address from a wrong password."""

import re

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]


def sign_in(email: str, password: str, *, remote: str = "127.0.0.1", forwarded: str | None = None) -> int:
    client = Client(REMOTE_ADDR=remote, **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}))
    return client.post(reverse("login"), {"username": email, "password": password}).status_code


def test_a_stranger_guessing_locks_the_person_out_only_where_the_guesses_came_from(behind_proxy):
    UserFactory(email="cio@trust.nhs.uk")
    for _ in range(5):
        sign_in("cio@trust.nhs.uk", "guess", remote=PROXY, forwarded="203.0.113.9")

    assert sign_in("cio@trust.nhs.uk", PASSWORD, remote=PROXY, forwarded="203.0.113.9") == 429
    # Every request arrives from the proxy, yet the person at their own address is not locked out.
    assert sign_in("cio@trust.nhs.uk", PASSWORD, remote=PROXY, forwarded="198.51.100.7") == 302


def test_without_a_trusted_proxy_the_forwarding_header_is_ignored_so_a_guesser_cannot_rotate_it():
    UserFactory(email="cio@trust.nhs.uk")
    for n in range(5):
        sign_in("cio@trust.nhs.uk", "guess", remote="203.0.113.9", forwarded=f"192.0.2.{n}")

    assert sign_in("cio@trust.nhs.uk", PASSWORD, remote="203.0.113.9", forwarded="192.0.2.200") == 429


def test_an_address_written_into_the_header_by_the_client_is_not_believed(behind_proxy):
    # The proxy appends the address it was reached from; whatever the client put before it is theirs.
    UserFactory(email="cio@trust.nhs.uk")
    for n in range(5):
        sign_in("cio@trust.nhs.uk", "guess", remote=PROXY, forwarded=f"192.0.2.{n}, 203.0.113.9")

    assert sign_in("cio@trust.nhs.uk", PASSWORD, remote=PROXY, forwarded="192.0.2.77, 203.0.113.9") == 429


def test_password_spraying_from_one_address_is_stopped_and_the_address_alone_is_locked(behind_proxy, settings):
    accounts = [UserFactory(email=f"person{n}@trust.nhs.uk").email for n in range(11)]
    refused = []
    for attempt in range(40):
        refused.append(sign_in(accounts[attempt % 10], f"Winter{attempt}!", remote=PROXY, forwarded="203.0.113.9"))

    # 4 guesses at each of 10 accounts never reach the per-person limit of 5; the address limit stops
    # it: the failure that reaches the limit is the first refused, as with the per-person limit.
    limit = settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
    assert refused[: limit - 1] == [200] * (limit - 1)
    assert set(refused[limit - 1 :]) == {429}
    assert sign_in(accounts[10], PASSWORD, remote=PROXY, forwarded="203.0.113.9") == 429
    # Everyone else, elsewhere, signs in as usual.
    assert sign_in(accounts[10], PASSWORD, remote=PROXY, forwarded="198.51.100.7") == 302
    assert sign_in(accounts[0], PASSWORD, remote=PROXY, forwarded="198.51.100.7") == 302


def _page_without(response, typed: str) -> str:
    # What differs by design: the address the person typed (shown back to them), the form's token
    # and the script nonce.
    page = response.content.decode().replace(typed, "ADDRESS")
    return re.sub(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]+"', "", page)


def test_an_unknown_address_and_a_wrong_password_get_the_same_page():
    UserFactory(email="cio@trust.nhs.uk")
    wrong = Client().post(reverse("login"), {"username": "cio@trust.nhs.uk", "password": "guess"})
    unknown = Client().post(reverse("login"), {"username": "nobody@trust.nhs.uk", "password": "guess"})

    assert wrong.status_code == unknown.status_code == 200
    assert _page_without(wrong, "cio@trust.nhs.uk") == _page_without(unknown, "nobody@trust.nhs.uk")


def test_an_unknown_address_costs_the_same_password_hashing_as_a_wrong_password(settings, monkeypatch):
    # Timing follows the work: with the production hasher, both paths hash once at full strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    UserFactory(email="cio@trust.nhs.uk", password=PASSWORD)
    rounds = []
    encode = PBKDF2PasswordHasher.encode

    def counting(self, password, salt, iterations=None):
        rounds.append(iterations or self.iterations)
        return encode(self, password, salt, iterations)

    monkeypatch.setattr(PBKDF2PasswordHasher, "encode", counting)

    sign_in("cio@trust.nhs.uk", "guess")
    wrong_password = list(rounds)
    rounds.clear()
    sign_in("nobody@trust.nhs.uk", "guess")

    assert wrong_password == rounds == [PBKDF2PasswordHasher.iterations]
