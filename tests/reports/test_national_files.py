"""The national files of a cycle: their contents checked against the database by a plain query
per organisation (not the row builder), the XLSX and the dictionary against the CSV, versions and
corrections, validation, and the generation's progress, claim and sweep."""

from __future__ import annotations

import datetime
import io
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from assessments.models import Assessment, AssessmentScore, DomainScore, MeasureScore
from framework.models import Domain, Measure
from organisations.models import Organisation
from reports import national_files
from reports.jobs import Job
from reports.models import NationalRelease
from reports.national_files import national_release_generate, national_release_request, national_releases_sweep
from reports.national_rows import organisation_rows
from tests import factories
from tests.reports.national_data import generate, publish, read_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(country_data):
    _world, country = country_data
    return publish(country.this_year)


@pytest.fixture
def analyst(db):
    user = factories.UserFactory()
    factories.grant(user, "national_analyst", None)
    return user


def expected_row(assessment: Assessment) -> dict[str, str]:
    """What the wide file must say about one assessment, read straight from the models."""
    organisation = Organisation.objects.select_related("ics__region").get(pk=assessment.organisation_id)
    ics = organisation.ics
    published = assessment.status == Assessment.Status.PUBLISHED
    score = AssessmentScore.objects.filter(assessment=assessment).first() if published else None
    row = {
        "ods_code": organisation.ods_code,
        "name": organisation.name,
        "kind": organisation.kind,
        "region_code": ics.region.ods_code,
        "region_name": ics.region.name,
        "icb_code": ics.icb_ods_code,
        "ics_name": ics.name,
        "care_settings": ";".join(organisation.care_settings),
        "main_care_setting": organisation.care_settings[0] if organisation.care_settings else "",
        "status": assessment.status,
        "validated": "yes" if assessment.status in {"validated", "provisionally_published", "published"} else "no",
        "submitted_at": assessment.submitted_at.astimezone(datetime.UTC).isoformat(timespec="seconds")
        if assessment.submitted_at
        else "",
        "overall": "" if score is None or score.overall is None else str(score.overall),
        "framework_version": assessment.cycle.framework.version,
        "scoring_method_version": score.method_version if score else "",
        "scored_at": score.scored_at.astimezone(datetime.UTC).isoformat(timespec="seconds") if score else "",
    }
    for measure in Measure.objects.filter(framework=assessment.cycle.framework):
        value = MeasureScore.objects.filter(score=score, measure_key=measure.key).first() if score else None
        row[f"measure_{measure.key}"] = str(value.value) if value else ""
    for domain in Domain.objects.filter(framework=assessment.cycle.framework):
        level = DomainScore.objects.filter(score=score, domain_key=domain.key).first() if score else None
        row[f"domain_{domain.key}"] = str(level.level) if level else ""
    return row


def test_the_wide_file_says_what_the_database_holds(cycle, django_capture_on_commit_callbacks):
    release = generate(django_capture_on_commit_callbacks, cycle)
    assert release.status == NationalRelease.Status.READY, release.error
    rows = read_csv(release.wide_csv)
    assessments = list(Assessment.objects.filter(cycle=cycle).select_related("cycle__framework"))
    assert release.row_count == len(rows) == len(assessments)
    assert [row["ods_code"] for row in rows] == sorted(a.organisation.ods_code for a in assessments)
    by_ods = {row["ods_code"]: row for row in rows}
    for assessment in assessments:
        assert by_ods[assessment.organisation.ods_code] == expected_row(assessment), assessment.organisation
    # The country has published, submitted-only, ready and draft assessments: each kind is in the file.
    statuses = {row["status"] for row in rows}
    assert {"published", "submitted", "ready_for_sign_off", "draft"} <= statuses
    assert all(row["overall"] == "" for row in rows if row["status"] != "published")
    assert any(row["overall"] != "" for row in rows if row["status"] == "published")


def test_the_long_file_has_one_row_per_published_organisation_and_domain(cycle, django_capture_on_commit_callbacks):
    release = generate(django_capture_on_commit_callbacks, cycle)
    rows = read_csv(release.long_csv)
    expected = set()
    for score in AssessmentScore.objects.filter(assessment__cycle=cycle, assessment__status="published"):
        ods = Organisation.objects.get(assessments__score=score).ods_code
        for domain in DomainScore.objects.filter(score=score):
            expected.add((ods, domain.measure_key, domain.domain_key, str(domain.level)))
    assert expected and len(rows) == len(expected)
    assert {(r["ods_code"], r["measure_key"], r["domain_key"], r["level"]) for r in rows} == expected
    assert [r["ods_code"] for r in rows] == sorted(r["ods_code"] for r in rows)


def test_the_spreadsheet_and_the_dictionary_match_the_csv(cycle, django_capture_on_commit_callbacks):
    release = generate(django_capture_on_commit_callbacks, cycle)
    wide = read_csv(release.wide_csv)
    long_header = list(read_csv(release.long_csv)[0])
    dictionary = read_csv(release.dictionary_csv)
    with release.xlsx.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()), read_only=True)
    assert workbook.sheetnames == ["Organisations", "Data dictionary"]
    sheet = [list(row) for row in workbook["Organisations"].iter_rows(values_only=True)]
    header = sheet[0]
    assert header == list(wide[0])
    assert len(sheet) - 1 == len(wide)
    for cells, row in zip(sheet[1:], wide, strict=True):
        cells = cells + [None] * (len(header) - len(cells))  # read-only mode drops trailing empty cells
        as_text = ["" if value is None else str(value) for value in cells]
        # Numbers are numbers in the spreadsheet: compared as decimals, "3.0" and 3 are the same.
        for name, text, value in zip(header, as_text, cells, strict=True):
            if isinstance(value, int | float):
                assert Decimal(str(value)) == Decimal(row[name]), name
            else:
                assert text == row[name], name
    # Every column of both files is in the dictionary, in order, and only those.
    assert [d["column"] for d in dictionary] == header + long_header
    assert all(d["type"] and d["meaning"] and d["allowed_values"] for d in dictionary)
    definitions = [
        list(row) + [None] * (5 - len(row)) for row in workbook["Data dictionary"].iter_rows(values_only=True)
    ]
    assert definitions[0] == ["file", "column", "type", "meaning", "allowed_values"]
    assert [[cell or "" for cell in row] for row in definitions[1:]] == [list(d.values()) for d in dictionary]


def test_cells_are_guarded_against_formulas(cycle, django_capture_on_commit_callbacks):
    trust = Assessment.objects.filter(cycle=cycle).first().organisation
    Organisation.objects.filter(pk=trust.pk).update(name='=HYPERLINK("http://evil.example","x")')
    release = generate(django_capture_on_commit_callbacks, cycle)
    row = next(r for r in read_csv(release.wide_csv) if r["ods_code"] == trust.ods_code)
    assert row["name"] == '\'=HYPERLINK("http://evil.example","x")'
    with release.xlsx.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()))["Organisations"]
    cells = next(row for row in sheet.iter_rows() if row[0].value == trust.ods_code)
    assert cells[1].data_type == "s" and cells[1].value.startswith("'=")


def test_organisation_rows_are_exactly_the_files_rows(cycle, django_capture_on_commit_callbacks):
    release = generate(django_capture_on_commit_callbacks, cycle)
    wide = {row["ods_code"]: row for row in read_csv(release.wide_csv)}
    some = list(Assessment.objects.filter(cycle=cycle).order_by("organisation__ods_code")[:3])
    header, rows = organisation_rows(cycle, [a.organisation_id for a in some])
    assert header == list(next(iter(wide.values())))
    assert len(rows) == 3
    for row in rows:
        texts = ["" if value is None else str(value) for value in row]
        assert dict(zip(header, texts, strict=True)) == wide[row[0]]


def test_before_publication_the_preview_shows_scores_of_the_statuses_asked_for(country_data):
    _world, country = country_data
    validated = Assessment.objects.filter(cycle=country.this_year, status="validated").first()
    header, plain = organisation_rows(country.this_year, [validated.organisation_id])
    _, preview = organisation_rows(country.this_year, [validated.organisation_id], scored_statuses={"validated"})
    overall = header.index("overall")
    assert plain[0][overall] is None
    assert preview[0][overall] == AssessmentScore.objects.get(assessment=validated).overall


def test_a_correction_is_version_2_and_version_1_stays_as_it_was(cycle, analyst, django_capture_on_commit_callbacks):
    first = generate(django_capture_on_commit_callbacks, cycle)
    with first.wide_csv.open("rb") as handle:
        first_bytes = handle.read()
    first_quality = first.data_quality
    changed = Assessment.objects.filter(cycle=cycle, status="published").first()
    AssessmentScore.objects.filter(assessment=changed).update(overall=Decimal("1.0"))
    Assessment.objects.filter(cycle=cycle, status="submitted").update(status="published")

    second = generate(django_capture_on_commit_callbacks, cycle, actor=analyst, change_note="Trust X's overall score")

    assert (second.version, second.change_note, second.status) == (2, "Trust X's overall score", "ready")
    assert second.requested_by == analyst
    first.refresh_from_db()
    assert first.version == 1 and first.change_note == "First publication" and first.status == "ready"
    with first.wide_csv.open("rb") as handle:
        assert handle.read() == first_bytes  # never edited in place
    assert first.data_quality == first_quality  # its statement as it was
    assert second.wide_csv.name != first.wide_csv.name
    assert second.data_quality["published"] > first_quality["published"]
    row = next(r for r in read_csv(second.wide_csv) if r["ods_code"] == changed.organisation.ods_code)
    assert row["overall"] == "1.0"


def test_a_correction_needs_a_change_note(cycle, analyst, django_capture_on_commit_callbacks):
    generate(django_capture_on_commit_callbacks, cycle)
    for note in ("", "   "):
        with pytest.raises(ValidationError) as error:
            national_release_request(cycle=cycle, actor=analyst, change_note=note)
        assert list(error.value.error_dict) == ["change_note"]
    with pytest.raises(ValidationError) as error:
        national_release_request(cycle=cycle, actor=analyst, change_note="x" * 2001)
    assert "2000 characters" in error.value.error_dict["change_note"][0].message
    assert NationalRelease.objects.filter(cycle=cycle).count() == 1


def test_only_national_analysts_ask_for_files(cycle, world, django_capture_on_commit_callbacks):
    for role, where in (("framework_admin", None), ("ics_reviewer", world.ics_1), ("assessment_lead", world.trust_a)):
        user = factories.UserFactory()
        factories.grant(user, role, where)
        with pytest.raises(PermissionDenied):
            national_release_request(cycle=cycle, actor=user, change_note="A note")
    assert not NationalRelease.objects.exists()


def test_a_version_on_its_way_refuses_another(cycle, analyst):
    national_release_request(cycle=cycle, actor=None)  # not handed over: no on-commit in this test
    NationalRelease.objects.update(queued_at=timezone.now())  # the broker took it
    with pytest.raises(ValidationError, match="still being generated"):
        national_release_request(cycle=cycle, actor=analyst, change_note="Another")
    assert NationalRelease.objects.count() == 1


def test_generation_records_progress_and_the_data_quality_statement(cycle, django_capture_on_commit_callbacks):
    release = generate(django_capture_on_commit_callbacks, cycle)
    assert (release.progress, release.step) == (100, "Ready")
    assert release.started_at and release.finished_at and release.queued_at
    quality = release.data_quality
    statuses = {
        status: Assessment.objects.filter(cycle=cycle, status=status).count() for status in Assessment.Status.values
    }
    total = sum(statuses.values())
    submitted = sum(statuses[s] for s in ("submitted", "validated", "provisionally_published", "published"))
    assert quality["organisations"] == total and quality["submitted"] == submitted
    assert quality["response_rate"] == round(100 * submitted / total, 1)
    assert quality["validated_share"] == round(100 * statuses["published"] / submitted, 1)
    flags = Assessment.objects.filter(cycle=cycle).values_list("flags", flat=True).exclude(flags=None).count()
    assert quality["flags_raised"] == flags
    assert any("had not submitted" in text for text in quality["limitations"])


def test_progress_moves_while_the_rows_are_written(cycle, monkeypatch):
    release = national_release_request(cycle=cycle, actor=None)
    seen = []
    real = Job.progress

    def spy(job, pk, claimed=None, **changes):
        real(job, pk, claimed, **changes)
        seen.append(NationalRelease.objects.values_list("progress", "step").get(pk=pk))

    monkeypatch.setattr(Job, "progress", spy)
    monkeypatch.setattr(national_files, "PROGRESS_EVERY", 5)
    national_release_generate(release_id=release.pk)
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and len(set(percents)) >= 6
    assert {step for _, step in seen} >= set(national_files.STEPS.values()) - {"Starting", "Ready"}


def test_generation_is_claimed_once(cycle):
    release = national_release_request(cycle=cycle, actor=None)
    national_release_generate(release_id=release.pk)
    release.refresh_from_db()
    finished, name = release.finished_at, release.wide_csv.name
    again = national_release_generate(release_id=release.pk)  # a redelivered message
    assert again.status == "ready" and again.finished_at == finished and again.wide_csv.name == name
    # One being generated by a live worker is left alone; one whose claim is older than the limit is not.
    NationalRelease.objects.filter(pk=release.pk).update(status="rendering", started_at=timezone.now())
    assert national_release_generate(release_id=release.pk).status == "rendering"
    long_ago = timezone.now() - national_files.JOB.claim_lost_after() - datetime.timedelta(seconds=1)
    NationalRelease.objects.filter(pk=release.pk).update(started_at=long_ago)
    assert national_release_generate(release_id=release.pk).status == "ready"


def test_a_failure_is_stored_with_words_and_can_be_retried(cycle, analyst, monkeypatch):
    release = national_release_request(cycle=cycle, actor=None)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(national_files, "data_quality_snapshot", broken)
    failed = national_release_generate(release_id=release.pk)
    assert failed.status == "failed" and f"number {release.pk}" in failed.error and "disk" not in failed.error
    monkeypatch.undo()
    with pytest.raises(ValidationError):
        national_release_retry_ready = NationalRelease.objects.create(cycle=cycle, version=9, status="ready")
        national_files.national_release_retry(release=national_release_retry_ready, actor=analyst)
    retried = national_files.national_release_retry(release=failed, actor=analyst)
    assert (retried.status, retried.error, retried.queued_at) == ("queued", "", None)
    assert national_release_generate(release_id=release.pk).status == "ready"


def test_the_sweep_re_drives_what_the_broker_or_a_worker_lost(cycle, monkeypatch):
    queued = []
    monkeypatch.setattr(
        national_files, "JOB", replace(national_files.JOB, publish=lambda pk: queued.append(pk) or True)
    )
    never_taken = national_release_request(cycle=cycle, actor=None)
    now = timezone.now()
    NationalRelease.objects.filter(pk=never_taken.pk).update(queued_at=None)
    taken = NationalRelease.objects.create(cycle=cycle, version=2, change_note="n", queued_at=now)
    dead = NationalRelease.objects.create(
        cycle=cycle, version=3, change_note="n", status="rendering", queued_at=now,
        started_at=now - national_files.JOB.claim_lost_after() - datetime.timedelta(minutes=1),
    )  # fmt: skip
    live = NationalRelease.objects.create(
        cycle=cycle, version=4, change_note="n", status="rendering", queued_at=now, started_at=now
    )
    ready = NationalRelease.objects.create(cycle=cycle, version=5, change_note="n", status="ready")
    count = national_releases_sweep(now=now)
    assert count == 2
    assert sorted(
        NationalRelease.objects.filter(status="queued", queued_at__isnull=True).values_list("pk", flat=True)
    ) == sorted([never_taken.pk, dead.pk])
    assert NationalRelease.objects.get(pk=live.pk).status == "rendering"
    assert NationalRelease.objects.get(pk=ready.pk).status == "ready"
    # A message handed over but never started is lost after stuck_after().
    later = now + national_files.JOB.stuck_after() + datetime.timedelta(seconds=1)
    assert national_releases_sweep(now=later) >= 1
    assert NationalRelease.objects.get(pk=taken.pk).queued_at is None


def test_the_beat_sweep_includes_the_national_files(cycle, monkeypatch):
    from reports.tasks import sweep_reports_task

    national_release_request(cycle=cycle, actor=None)  # never handed to the broker
    monkeypatch.setattr(national_files, "JOB", replace(national_files.JOB, publish=lambda pk: True))
    assert sweep_reports_task()["national_files_requeued"] == 1


def test_publication_at_the_announced_time_makes_version_1_once(country_data, django_capture_on_commit_callbacks):
    """The beat task publishes the cycle; the published hook asks for version 1 of its files,
    and the sweep asks for it only when that was lost, so there is never a second."""
    from assessments.services import publication

    _, country = country_data
    cycle = country.this_year
    analyst = factories.UserFactory()
    factories.grant(analyst, "national_analyst")
    today = timezone.localdate()
    week = today + datetime.timedelta(days=7)
    publication.cycle_release_provisionally(cycle=cycle, actor=analyst, opens_on=today, closes_on=week)
    day = today + datetime.timedelta(days=35)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
    publication.cycle_announce_publication(cycle=cycle, actor=analyst, publication_at=at)
    with django_capture_on_commit_callbacks(execute=True):
        assert publication.cycles_publish_due(now=at) == [cycle.name]
    release = NationalRelease.objects.get(cycle=cycle)
    assert (release.version, release.status, release.change_note) == (1, "ready", "First publication")
    assert release.requested_by is None and release.row_count
    with django_capture_on_commit_callbacks(execute=True):
        national_releases_sweep()
    assert NationalRelease.objects.filter(cycle=cycle).count() == 1


def test_the_sweep_makes_version_1_of_a_published_cycle_whose_hook_was_lost(cycle, django_capture_on_commit_callbacks):
    assert not NationalRelease.objects.filter(cycle=cycle).exists()  # published, as if its hook never ran
    with django_capture_on_commit_callbacks(execute=True):
        assert national_releases_sweep() == 1
    assert NationalRelease.objects.get(cycle=cycle).status == "ready"
    with django_capture_on_commit_callbacks(execute=True):
        assert national_releases_sweep() == 0
