"""load_knowledge: the reviewed files are validated whole (file, line, what is wrong) and a batch
with any problem writes nothing; loading is idempotent, updates entries in place by key, and an
entry dropped from the files is unpublished, never deleted."""

import pytest
import yaml
from django.core.management import CommandError, call_command

from framework.definition import DefinitionError
from framework.knowledge_services import knowledge_entries_unpublish, knowledge_load
from framework.models import KnowledgeEntry

pytestmark = pytest.mark.django_db


def an_entry(key="barcode-scanning", **changes):
    entry = {
        "key": key,
        "kind": "blueprint",
        "title": "Barcode scanning at the bedside",
        "summary": "Scan the wristband and the medicine.",
        "body": "1. Wristbands.\n2. Scanners.",
        "author_name": "Medicines safety programme",
        "care_settings": ["acute"],
        "domain_keys": ["closed_loop_barcoding", "epma"],
        "level_from": 2,
        "level_to": 4,
        "cost_band": "250k_1m",
        "outcome": "Errors caught at the bedside.",
        "contact": "Medication safety team",
        "links": [{"title": "GS1", "url": "https://www.gs1uk.org/"}],
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def write(folder, *entries, name="entries.yaml"):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(yaml.safe_dump({"entries": list(entries)}, sort_keys=False, allow_unicode=True))
    return folder


def test_loading_creates_entries_with_their_measures_derived(real_framework, tmp_path):
    outcome = knowledge_load(path=write(tmp_path / "k", an_entry()))
    assert (outcome.created, outcome.updated, outcome.unchanged) == (1, 0, 0)
    entry = KnowledgeEntry.objects.get()
    assert entry.measure_keys == ["improve_care"] and entry.is_published and entry.source_file == "entries.yaml"
    assert len(entry.source_sha256) == 64


def test_loading_again_changes_nothing_and_a_change_updates_in_place(real_framework, tmp_path):
    folder = write(tmp_path / "k", an_entry())
    knowledge_load(path=folder)
    first = KnowledgeEntry.objects.get()
    again = knowledge_load(path=folder)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    changed = knowledge_load(path=write(folder, an_entry(title="Barcodes everywhere")))
    assert (changed.created, changed.updated) == (0, 1)
    entry = KnowledgeEntry.objects.get()
    assert entry.pk == first.pk and entry.title == "Barcodes everywhere"


def test_an_entry_dropped_from_the_files_is_unpublished_not_deleted_and_comes_back(real_framework, tmp_path):
    folder = write(tmp_path / "k", an_entry(), an_entry("other", title="Other"))
    knowledge_load(path=folder)
    outcome = knowledge_load(path=write(folder, an_entry()))
    assert outcome.removed == 1
    assert KnowledgeEntry.objects.get(key="other").status == KnowledgeEntry.Status.REMOVED
    knowledge_load(path=write(folder, an_entry(), an_entry("other", title="Other")))
    assert KnowledgeEntry.objects.get(key="other").is_published


def test_an_editors_unpublishing_survives_a_reload(real_framework, tmp_path, person):
    folder = write(tmp_path / "k", an_entry())
    knowledge_load(path=folder)
    knowledge_entries_unpublish(entries=KnowledgeEntry.objects.all(), actor=person("framework_admin"))
    knowledge_load(path=write(folder, an_entry(title="Changed")))
    entry = KnowledgeEntry.objects.get()
    assert entry.status == KnowledgeEntry.Status.UNPUBLISHED and entry.title == "Changed"


BAD = [
    ({"colour": "blue"}, "unknown field 'colour'"),
    ({"domain_keys": ["made_up_domain"]}, "'made_up_domain' is not a domain of the current framework"),
    ({"level_from": 4, "level_to": 2}, "level_to (2) must be above level_from (4)"),
    ({"level_to": 6}, "6 is not a maturity level"),
    ({"links": [{"title": "x", "url": "javascript:alert(1)"}]}, "is not an https:// web address"),
    ({"links": [{"title": "x", "url": "http://example.org/"}]}, "is not an https:// web address"),
    ({"title": "x" * 151}, "at most 150 characters"),
    ({"contact": "jo.bloggs@nhs.net"}, "not an e-mail address"),
    ({"organisation": "ZZZ"}, "'ZZZ' is not the ODS code of an organisation loaded"),
    ({"author_name": None}, "say who wrote it"),
    ({"care_settings": ["hospice"]}, "unknown care setting 'hospice'"),
    ({"cost_band": "cheap"}, "cost_band"),
    ({"kind": "shared"}, "kind"),
    ({"key": "Not A Slug"}, "is not a key"),
    ({"key": "shared-rx1-epma-2025-26"}, "kept for entries organisations share"),
    ({"level_from": "2"}, "Input should be a valid integer"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_a_bad_entry_is_refused_with_its_line_and_nothing_is_written(real_framework, tmp_path, change, message):
    folder = write(tmp_path / "k", an_entry("good"), name="a.yaml")
    write(folder, an_entry(**{"key": "bad", **change}), name="b.yaml")
    with pytest.raises(DefinitionError) as refused:
        knowledge_load(path=folder)
    text = str(refused.value)
    assert message in text
    assert text.startswith("b.yaml:")  # the file and a line
    assert not KnowledgeEntry.objects.exists()


def test_duplicate_keys_across_files_are_refused(real_framework, tmp_path):
    folder = write(tmp_path / "k", an_entry(), name="a.yaml")
    write(folder, an_entry(), name="b.yaml")
    with pytest.raises(DefinitionError, match=r"key also used in a\.yaml"):
        knowledge_load(path=folder)
    assert not KnowledgeEntry.objects.exists()


def test_anchors_are_refused_as_in_framework_definitions(real_framework, tmp_path):
    folder = tmp_path / "k"
    folder.mkdir()
    text = yaml.safe_dump({"entries": [an_entry()]}, sort_keys=False)
    (folder / "a.yaml").write_text(text.replace("care_settings:\n  - acute", "care_settings: &s\n  - acute"))
    with pytest.raises(DefinitionError, match="anchors and aliases"):
        knowledge_load(path=folder)


def test_the_command_loads_the_reviewed_files_and_says_what_it_did(knowledge_base, capsys):
    assert knowledge_base.created >= 40
    call_command("load_knowledge")
    assert f"0 created, 0 updated, {knowledge_base.created} unchanged" in capsys.readouterr().out


def test_the_command_refuses_a_bad_file_with_every_problem(real_framework, tmp_path):
    folder = write(tmp_path / "k", an_entry(level_to=9, contact="a@b.nhs.uk"))
    with pytest.raises(CommandError, match=r"Nothing was loaded: 2 problem\(s\)"):
        call_command("load_knowledge", str(folder))


def test_the_reviewed_knowledge_base_covers_every_measure_with_several_entries(knowledge_base):
    from collections import Counter

    from framework.measures import SUCCESS_MEASURES

    measures = Counter(key for keys in KnowledgeEntry.objects.values_list("measure_keys", flat=True) for key in keys)
    assert set(measures) == set(SUCCESS_MEASURES)
    assert min(measures.values()) >= 5
    assert set(KnowledgeEntry.objects.values_list("cost_band", flat=True)) == {
        "under_50k",
        "50k_250k",
        "250k_1m",
        "over_1m",
    }
    assert not KnowledgeEntry.objects.filter(contact__contains="@").exists()
