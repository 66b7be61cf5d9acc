"""Matching a verified identity to an account: on the subject alone, a newcomer gets an account
with no password or role, an existing account's address needs its password first."""

import pytest

from organisations.identity import (
    IdentityRefused,
    VerifiedIdentity,
    assurance_level,
    claimed_ods_codes,
    identity_link,
    identity_sign_in,
)
from organisations.models import Identity, RoleAssignment, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def verified(**changes) -> VerifiedIdentity:
    values = {"provider": "cis2", "subject": "sub-1", "email": "Ada@NHS.net", "ods_codes": ("RAL",)}
    return VerifiedIdentity(**{**values, **changes})


def test_a_newcomer_gets_an_account_with_no_password_and_no_role():
    match = identity_sign_in(verified=verified())
    assert match.created and match.user.email == "ada@nhs.net"
    assert not match.user.has_usable_password()
    assert not RoleAssignment.objects.exists()
    assert Identity.objects.get().claimed_ods_codes == ["RAL"]


def test_the_subject_decides_whatever_the_address_now_says():
    first = identity_sign_in(verified=verified()).user
    again = identity_sign_in(verified=verified(email="someone.else@nhs.net", ods_codes=()))
    assert again.user == first and not again.created
    assert Identity.objects.get().claimed_ods_codes == []


def test_an_existing_accounts_address_is_not_signed_in_but_asked_to_link():
    UserFactory(email="ada@nhs.net")
    match = identity_sign_in(verified=verified())
    assert match.user is None and match.link_to_email == "ada@nhs.net"
    assert not Identity.objects.exists() and User.objects.count() == 1


def test_a_new_subject_with_the_address_of_a_linked_account_is_still_asked_for_the_password():
    identity_sign_in(verified=verified())
    match = identity_sign_in(verified=verified(subject="sub-2"))
    assert match.user is None and match.link_to_email == "ada@nhs.net"


def test_linking_is_refused_for_another_accounts_address_and_a_second_identity_at_a_provider():
    owner = UserFactory(email="ada@nhs.net")
    with pytest.raises(IdentityRefused):
        identity_link(user=UserFactory(email="mallory@nhs.net"), verified=verified())
    identity_link(user=owner, verified=verified())
    with pytest.raises(IdentityRefused) as refused:
        identity_link(user=owner, verified=verified(subject="sub-2"))
    assert refused.value.reason == "already_linked"
    assert Identity.objects.get().subject == "sub-1"


def test_an_identity_without_an_address_cannot_make_an_account():
    with pytest.raises(IdentityRefused):
        identity_sign_in(verified=verified(email=""))
    assert not User.objects.exists()


def test_claims_parsing_keeps_only_well_formed_ods_codes():
    claims = {
        "nhsid_nrbac_roles": [{"org_code": "ral"}, {"org_code": ""}, "junk", {"person_roleid": "1"}],
        "nhsid_user_orgs": [{"org_code": "RAL", "org_name": "Royal Free"}, {"org_code": "RRV "}],
    }
    assert claimed_ods_codes(claims) == ("RAL", "RRV")
    assert claimed_ods_codes({"nhsid_user_orgs": "RAL"}) == ()
    assert [assurance_level(v) for v in ("3", 2, None, "high", True)] == [3, 2, None, None, None]
