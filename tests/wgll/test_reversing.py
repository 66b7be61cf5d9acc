"""URLs reversed once per process (wgll/reversing.py) are Django's reverse exactly, under whatever
script prefix the request came with."""

from django.urls import reverse, set_script_prefix

from tests import factories
from wgll import reversing


def test_kept_urls_are_djangos():
    assert reversing.url("home") == reverse("home")
    assert reversing.url("organisations:detail", "RAL") == reverse("organisations:detail", args=["RAL"])
    assert reversing.url("assessments:overview", "2025-26", "RAL") == reverse(
        "assessments:overview", args=["2025-26", "RAL"]
    )


def test_a_portal_served_under_a_path_gets_its_own_urls():
    assert reversing.url("home") == "/"
    set_script_prefix("/portal/")
    try:
        assert reversing.url("home") == "/portal/"
    finally:
        set_script_prefix("/")
    assert reversing.url("home") == "/"


def test_only_plain_arguments_are_kept():
    reversing._kept.cache_clear()
    reversing.url("organisations:detail", "RAL")
    organisation = factories.OrganisationFactory.build(ods_code="RXX")
    assert reversing.url("organisations:detail", organisation) == reverse("organisations:detail", args=[organisation])
    assert reversing._kept.cache_info().currsize == 1
