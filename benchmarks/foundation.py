"""Reference-data and framework loading, and the scoped organisation selector."""

import csv

import yaml

from framework.definition import known_version, parse_definition
from framework.services import DEFINITIONS_DIR, framework_load
from organisations.models import Organisation, Role, RoleAssignment, User
from organisations.reference_data import DEFAULT_DATA_DIR
from organisations.selectors import organisations_visible_to
from organisations.services import organisations_load_reference_data


def run(measure, report) -> None:
    def parse_csv_only():
        for name in ("regions.csv", "icbs.csv", "trusts.csv", "programmes.csv"):
            with (DEFAULT_DATA_DIR / name).open() as handle:
                list(csv.reader(handle))

    report(
        "load_organisations (validated upsert, 2nd+ runs)",
        measure(lambda: organisations_load_reference_data()),
        "reading the CSV files only",
        measure(parse_csv_only),
    )

    files = sorted(DEFINITIONS_DIR.glob("*.yaml"))
    framework_load(path=DEFINITIONS_DIR)

    def yaml_only():
        for file in files:
            yaml.load(file.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))

    def validate_only():
        known = {}
        for file in files:
            parsed = parse_definition(file, known)
            known[parsed.definition.framework.version] = known_version(parsed.definition)

    report(
        "validate both framework files (no writes)",
        measure(validate_only),
        "parsing both files with libyaml only",
        measure(yaml_only),
    )

    user = User.objects.create_user("bench@trust.nhs.uk")
    RoleAssignment.objects.create(user=user, role=Role.ICS_REVIEWER, ics=Organisation.objects.get(ods_code="RAL").ics)

    def scoped():
        user.__dict__.pop("_wgll_grants", None)
        list(organisations_visible_to(user))

    def unscoped():
        list(Organisation.objects.select_related("ics__region").prefetch_related("programmes"))

    report(
        "organisations visible to an ICS reviewer",
        measure(scoped, 20),
        "all organisations, unscoped",
        measure(unscoped, 20),
    )
