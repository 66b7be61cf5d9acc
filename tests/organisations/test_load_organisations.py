import re
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from organisations.models import IntegratedCareSystem, Organisation, Programme, Region
from organisations.reference_data import DEFAULT_DATA_DIR, ReferenceDataError
from organisations.services import organisations_load_reference_data

pytestmark = pytest.mark.django_db


def run_command(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("load_organisations", *args, stdout=out)
    return out.getvalue()


def test_loads_every_region_system_trust_and_icb():
    output = run_command()

    assert Region.objects.count() == 7
    assert IntegratedCareSystem.objects.count() == 42
    assert Organisation.objects.filter(kind="trust").count() == 202
    assert Organisation.objects.filter(kind="icb").count() == 42
    assert re.search(r"Trusts\s+202 created\s+0 updated\s+0 unchanged", output)
    royal_free = Organisation.objects.get(ods_code="RAL")
    assert royal_free.ics.icb_ods_code == "QMJ"
    assert royal_free.ics.region.name == "London"
    assert royal_free.programmes.get().key == "global_digital_exemplar_acute_2016"
    assert Programme.objects.get().organisations.count() == 12
    wight = Organisation.objects.get(ods_code="R1F")
    assert wight.care_settings == ["acute", "community", "ambulance"]
    assert wight.main_care_setting == "acute"


def test_second_run_reports_everything_unchanged():
    run_command()
    output = run_command()

    assert re.search(r"Regions\s+0 created\s+0 updated\s+7 unchanged", output)
    assert re.search(r"Integrated care systems\s+0 created\s+0 updated\s+42 unchanged", output)
    assert re.search(r"ICB organisations\s+0 created\s+0 updated\s+42 unchanged", output)
    assert re.search(r"Trusts\s+0 created\s+0 updated\s+202 unchanged", output)
    assert re.search(r"Programme memberships\s+0 created\s+0 updated\s+12 unchanged", output)


def test_a_newer_extract_updates_names_by_ods_code(tmp_path):
    run_command()
    data = copy_data(tmp_path)
    replace_in(data / "trusts.csv", "Royal Free London NHS Foundation Trust", "Royal Free London NHS FT")

    summary = organisations_load_reference_data(directory=data)

    assert summary.counts["Trusts"]["updated"] == 1
    assert Organisation.objects.get(ods_code="RAL").name == "Royal Free London NHS FT"


def test_care_settings_corrected_in_the_portal_survive_a_reload(tmp_path, django_user_model):
    from organisations.services import organisation_correct_care_settings
    from tests.factories import UserFactory, grant

    run_command()
    trust = Organisation.objects.get(ods_code="RAL")
    lead = UserFactory()
    grant(lead, "assessment_lead", trust)
    organisation_correct_care_settings(organisation=trust, care_settings=["acute", "community"], actor=lead)

    summary = organisations_load_reference_data()

    trust.refresh_from_db()
    assert trust.care_settings == ["acute", "community"]
    assert trust.care_settings_source == "portal"
    assert summary.kept_corrections == ["RAL"]


MALFORMED = [
    (
        "trusts.csv",
        "R0A,MANCHESTER",
        "r0a,MANCHESTER",
        "trusts.csv, line 3, column 'ods_code': 'r0a' is not an ODS code",
    ),
    (
        "trusts.csv",
        "acute community\nR0B",
        "acute hospice\nR0B",
        "column 'care_settings': unknown care setting 'hospice'",
    ),
    (
        "trusts.csv",
        "Y62,QOP,M13 9WL",
        "Y62,QXX,M13 9WL",
        "trusts.csv, line 3, column 'icb_code': 'QXX' is not in icbs.csv",
    ),
    ("trusts.csv", "2017-10-01", "01/10/2017", "trusts.csv, line 3, column 'opened': '01/10/2017' is not a date"),
    (
        "trusts.csv",
        "Y62,QOP,M13 9WL",
        "Y56,QOP,M13 9WL",
        "column 'region_code': 'Y56' differs from the region of ICB QOP (Y62)",
    ),
    ("trusts.csv", "R0B,SOUTH", "R0A,SOUTH", "trusts.csv, line 4, column 'ods_code': 'R0A' already appears on line 3"),
    ("trusts.csv", "ods_code,ods_name", "code,ods_name", "trusts.csv, line 1: header must be"),
    ("icbs.csv", "E54000008", "E5400008", "icbs.csv, line 2, column 'ons_code': 'E5400008' is not an ICB ONS code"),
    ("icbs.csv", "QYG,E54000008,NHS Cheshire", "QYG,E54000008,NHS Cheshire,extra", "expected 4 columns, found 5"),
    ("regions.csv", "Y56,London", "Y56,", "regions.csv, line 2, column 'name': is empty"),
    (
        "programmes.csv",
        "global_digital_exemplar_acute_2016,R0B",
        "global_digital_exemplar_acute_2016,ZZZ",
        "is not in trusts.csv",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "message"), MALFORMED)
def test_malformed_row_is_reported_with_its_location_and_nothing_is_written(tmp_path, file, old, new, message):
    data = copy_data(tmp_path)
    replace_in(data / file, old, new)

    with pytest.raises(CommandError) as error:
        run_command("--data-dir", str(data))

    assert message in str(error.value)
    assert str(error.value).startswith("Nothing was loaded")
    assert not Region.objects.exists()
    assert not Organisation.objects.exists()


def test_errors_in_a_refresh_leave_the_loaded_data_untouched(tmp_path):
    run_command()
    data = copy_data(tmp_path)
    replace_in(data / "trusts.csv", "Royal Free London NHS Foundation Trust", "Renamed Trust")
    replace_in(data / "trusts.csv", "R0A,MANCHESTER", "bad code,MANCHESTER")

    with pytest.raises(ReferenceDataError) as error:
        organisations_load_reference_data(directory=data)

    assert len(error.value.errors) == 1
    assert Organisation.objects.get(ods_code="RAL").name == "Royal Free London NHS Foundation Trust"


def test_every_problem_is_reported_at_once(tmp_path):
    data = copy_data(tmp_path)
    replace_in(data / "trusts.csv", "2017-10-01", "yesterday")
    replace_in(data / "trusts.csv", "R0D,UNIVERSITY", "r0d,UNIVERSITY")

    with pytest.raises(ReferenceDataError) as error:
        organisations_load_reference_data(directory=data)

    assert [(e.line, e.column) for e in error.value.errors] == [(3, "opened"), (5, "ods_code")]


def test_a_trust_row_with_an_icb_code_is_refused_and_nothing_changes(tmp_path):
    run_command()
    data = copy_data(tmp_path)
    replace_in(data / "trusts.csv", "RKE,WHITTINGTON", "QOP,WHITTINGTON")

    with pytest.raises(CommandError) as error:
        run_command("--data-dir", str(data))

    assert str(error.value).startswith("Nothing was loaded: 1 problem(s)")
    assert "trusts.csv, line 78, column 'ods_code': 'QOP' is the code of the ICB on line 36 of icbs.csv" in str(
        error.value
    )
    greater_manchester = Organisation.objects.get(ods_code="QOP")
    assert greater_manchester.kind == "icb"
    assert greater_manchester.ics.icb_ods_code == "QOP"
    assert greater_manchester.name == "NHS Greater Manchester Integrated Care Board"
    assert greater_manchester.history.count() == 1


def test_a_trust_row_with_the_code_of_a_loaded_icb_is_refused(tmp_path):
    """An ICB dropped from a newer extract (after a merger) still has its organisation."""
    from tests.factories import OrganisationFactory, SystemFactory

    run_command()
    system = SystemFactory(icb_ods_code="QXX", ons_code="E54999999", region=Region.objects.get(ods_code="Y56"))
    retired = OrganisationFactory(ods_code="QXX", kind="icb", ics=system, care_settings=[])
    data = copy_data(tmp_path)
    replace_in(data / "trusts.csv", "RKE,WHITTINGTON", "QXX,WHITTINGTON")

    with pytest.raises(ReferenceDataError) as error:
        organisations_load_reference_data(directory=data)

    assert [(e.file, e.line, e.column) for e in error.value.errors] == [("trusts.csv", 78, "ods_code")]
    assert f"'QXX' already belongs to an ICB ({retired.name}), not a trust" in str(error.value)
    retired.refresh_from_db()
    assert retired.kind == "icb"
    assert not Organisation.objects.filter(name="Whittington Health NHS Trust", ods_code="QXX").exists()


def test_a_row_moving_a_loaded_trust_into_another_ics_is_refused_and_nothing_changes(tmp_path):
    run_command()
    data = copy_data(tmp_path)
    replace_in(data / "trusts.csv", "Royal Free London NHS Foundation Trust,Y56,QMJ", "Renamed Trust,Y62,QOP")

    with pytest.raises(CommandError) as error:
        run_command("--data-dir", str(data))

    assert str(error.value).startswith("Nothing was loaded")
    assert (
        "trusts.csv, line 17, column 'icb_code': 'QOP' would move Royal Free London NHS Foundation Trust (RAL) "
        "out of the ICS of ICB QMJ" in str(error.value)
    )
    royal_free = Organisation.objects.get(ods_code="RAL")
    assert royal_free.ics.icb_ods_code == "QMJ"
    assert royal_free.name == "Royal Free London NHS Foundation Trust"


def test_a_normal_reload_from_a_copied_extract_is_unchanged(tmp_path):
    run_command()

    output = run_command("--data-dir", str(copy_data(tmp_path)))

    assert re.search(r"ICB organisations\s+0 created\s+0 updated\s+42 unchanged", output)
    assert re.search(r"Trusts\s+0 created\s+0 updated\s+202 unchanged", output)


def test_a_move_made_in_the_admin_first_then_reloads_unchanged(tmp_path):
    run_command()
    Organisation.objects.filter(ods_code="RAL").update(ics=IntegratedCareSystem.objects.get(icb_ods_code="QOP"))
    data = copy_data(tmp_path)
    replace_in(
        data / "trusts.csv",
        "Royal Free London NHS Foundation Trust,Y56,QMJ",
        "Royal Free London NHS Foundation Trust,Y62,QOP",
    )

    summary = organisations_load_reference_data(directory=data)

    assert summary.counts["Trusts"] == {"unchanged": 202}
    assert Organisation.objects.get(ods_code="RAL").ics.icb_ods_code == "QOP"


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    for file in target.iterdir():
        file.chmod(0o644)
    return target


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


# Extracts from hostile hands (issue 16): refused with file, line and column, nothing written.


def refused(data: Path, message: str) -> None:
    with pytest.raises(CommandError) as error:
        run_command("--data-dir", str(data))
    assert str(error.value).startswith("Nothing was loaded") and message in str(error.value), str(error.value)
    assert not Region.objects.exists() and not Organisation.objects.exists()


def test_an_extract_that_is_not_utf8_is_refused_with_its_file(tmp_path):
    data = copy_data(tmp_path)
    (data / "trusts.csv").write_bytes(
        (data / "trusts.csv").read_text().replace("MANCHESTER", "MAN\xc7HESTER").encode("latin-1")
    )
    refused(data, "trusts.csv, line")
    refused(data, "is not UTF-8 text (byte 0xc7")


def test_a_nul_byte_or_a_giant_field_is_refused_not_a_crash(tmp_path):
    data = copy_data(tmp_path)
    replace_in(data / "regions.csv", "Y56,London", "Y56,Lon\x00don")
    refused(data, "regions.csv, line")
    data = copy_data(tmp_path / "giant")
    replace_in(data / "regions.csv", "Y56,London", 'Y56,"' + "L" * 200_000 + '"')
    refused(data, "regions.csv, line")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "icbs.csv",
            "QYG,E54000008",
            "QYGXXX,E54000008",
            "icbs.csv, line 2, column 'ods_code': is 6 characters long; at most 5",
        ),
        (
            "trusts.csv",
            "M13 9WL",
            "M13 9WL 9WL 9WL",
            "column 'postcode': is 15 characters long; at most 10 are allowed",
        ),
        ("regions.csv", "Y56,London", "Y56," + "L" * 101, "regions.csv, line 2, column 'name': is 101 characters long"),
    ],
)
def test_values_longer_than_the_database_keeps_are_refused_on_every_database(tmp_path, file, old, new, message):
    data = copy_data(tmp_path)
    replace_in(data / file, old, new)
    refused(data, message)
