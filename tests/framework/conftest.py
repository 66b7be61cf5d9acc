"""The real framework (framework/definitions) and the real reviewed knowledge base, loaded as
`make data` loads them, with the organisations the entries name created first."""

import re

import pytest

from framework.knowledge_services import KNOWLEDGE_DIR, knowledge_load
from framework.services import DEFINITIONS_DIR, framework_load
from tests import factories


def named_organisation_codes() -> set[str]:
    return {
        code
        for file in KNOWLEDGE_DIR.glob("*.yaml")
        for code in re.findall(r"^    organisation: (\S+)$", file.read_text(), flags=re.MULTILINE)
    }


@pytest.fixture
def real_framework(db):
    framework_load(path=DEFINITIONS_DIR)


@pytest.fixture
def knowledge_base(real_framework, world):
    for code in sorted(named_organisation_codes()):
        factories.OrganisationFactory(ods_code=code, name=f"Trust {code}", ics=world.ics_1)
    return knowledge_load()
