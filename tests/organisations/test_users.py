"""People's e-mail addresses are stored lower-case, so an address is one account whatever its case."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from organisations.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = {"password1": "a-long-passphrase-1", "password2": "a-long-passphrase-1"}
NO_INLINES = {
    "role_assignments-TOTAL_FORMS": "0",
    "role_assignments-INITIAL_FORMS": "0",
    # The identities inline is on the change page only (a new account has none).
    "identities-TOTAL_FORMS": "0",
    "identities-INITIAL_FORMS": "0",
}


@pytest.mark.parametrize(
    "create",
    [
        lambda email: User.objects.create_user(email, "correct-horse-battery"),
        lambda email: User.objects.create_superuser(email, "correct-horse-battery"),
        lambda email: User.objects.create(email=email),
        lambda email: UserFactory(email=email),
    ],
    ids=["create_user", "create_superuser", "create", "factory"],
)
def test_addresses_are_stored_lower_case_however_the_user_is_created(create):
    user = create(" New.Person@Trust.NHS.uk ")
    assert User.objects.get(pk=user.pk).email == "new.person@trust.nhs.uk"


def test_changing_an_address_stores_it_lower_case():
    user = UserFactory(email="cio@trust.nhs.uk")
    user.email = "Chief.Information.Officer@Trust.NHS.uk"
    user.save()
    assert User.objects.get(pk=user.pk).email == "chief.information.officer@trust.nhs.uk"


def test_an_address_differing_only_in_case_is_refused_as_a_second_account():
    UserFactory(email="cio@trust.nhs.uk")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("CIO@Trust.NHS.uk", "correct-horse-battery")
    assert User.objects.filter(email__iexact="cio@trust.nhs.uk").count() == 1


def test_the_database_refuses_a_mixed_case_address_even_from_a_bulk_insert():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="Mixed.Case@trust.nhs.uk")])


def test_the_service_desk_adds_a_person_and_the_address_is_stored_lower_case(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:organisations_user_add"),
        {"email": "New.Person@Trust.NHS.uk", **NEW_PASSWORD, **NO_INLINES},
    )
    assert response.status_code == 302
    assert User.objects.filter(email="new.person@trust.nhs.uk").exists()


def test_the_service_desk_cannot_add_a_second_account_for_an_address_in_another_case(client):
    UserFactory(email="cio@trust.nhs.uk")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:organisations_user_add"),
        {"email": "CIO@Trust.NHS.uk", **NEW_PASSWORD, **NO_INLINES},
    )
    assert response.status_code == 200
    assert "User with this E-mail address already exists." in response.content.decode()
    assert User.objects.filter(email__iexact="cio@trust.nhs.uk").count() == 1


def test_the_service_desk_cannot_change_an_address_into_another_persons_in_another_case(client):
    UserFactory(email="cio@trust.nhs.uk")
    other = UserFactory(email="deputy@trust.nhs.uk")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:organisations_user_change", args=[other.pk])
    data = {
        "email": "CIO@Trust.NHS.uk",
        "first_name": other.first_name,
        "last_name": other.last_name,
        "job_title": "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        **NO_INLINES,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "User with this E-mail address already exists." in response.content.decode()
    assert User.objects.get(pk=other.pk).email == "deputy@trust.nhs.uk"

    response = client.post(url, {**data, "email": "Deputy.CIO@Trust.NHS.uk"})
    assert response.status_code == 302
    assert User.objects.get(pk=other.pk).email == "deputy.cio@trust.nhs.uk"


# The data migration that lower-cases the addresses stored before this rule.

BEFORE, LOWER_CASE = ("organisations", "0001_initial"), ("organisations", "0002_lower_case_emails")


@pytest.fixture
def before_lower_casing(transactional_db):
    """The database as it was before addresses were lower-cased, restored to the latest after."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([BEFORE])
    old_user = executor.loader.project_state([BEFORE]).apps.get_model("organisations", "User")
    try:
        yield old_user
    finally:
        old_user.objects.all().delete()  # a clash left behind would stop the way back
        executor = MigrationExecutor(connection)
        executor.migrate(latest)


def migrate_to_lower_case() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([LOWER_CASE])


def test_the_migration_lower_cases_existing_addresses(before_lower_casing):
    OldUser = before_lower_casing
    OldUser.objects.create(email="Lead@Demo.NHS.uk", password="!")
    OldUser.objects.create(email="approver@demo.nhs.uk", password="!")

    migrate_to_lower_case()

    assert sorted(OldUser.objects.values_list("email", flat=True)) == ["approver@demo.nhs.uk", "lead@demo.nhs.uk"]


def test_the_migration_refuses_addresses_that_would_clash_and_names_them(before_lower_casing):
    OldUser = before_lower_casing
    OldUser.objects.create(email="Lead@Demo.NHS.uk", password="!")
    OldUser.objects.create(email="lead@demo.nhs.uk", password="!")
    OldUser.objects.create(email="Solo@Demo.NHS.uk", password="!")

    with pytest.raises(RuntimeError, match=r"lead@demo\.nhs\.uk: Lead@Demo\.NHS\.uk, lead@demo\.nhs\.uk"):
        migrate_to_lower_case()

    # Nothing was changed: the service desk decides which account is the real person.
    assert sorted(OldUser.objects.values_list("email", flat=True)) == [
        "Lead@Demo.NHS.uk",
        "Solo@Demo.NHS.uk",
        "lead@demo.nhs.uk",
    ]
