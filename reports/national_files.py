"""Changes to a cycle's national files: ask for a version (the publication step asks for version
1, a national analyst for a correction), retry a failed one, generate one (the task calls it),
and the sweep that re-drives versions a broker or worker lost.

The same pipeline as board reports and packs (decision 0011): the job row first, the message on
commit; the row's status, progress and step are what the pages show; a failure is stored on the
row in words the user can act on. A version is never edited: a correction is the next version.
"""

from __future__ import annotations

import datetime
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, transaction
from django.db.models import Max
from django.utils import timezone
from openpyxl import Workbook

from assessments.models import Cycle
from organisations.access import may
from reports.access import PublicationAction
from reports.data_dictionary import HEADER as DICTIONARY_HEADER
from reports.data_dictionary import dictionary_rows
from reports.data_quality import data_quality_snapshot
from reports.jobs import Job
from reports.models import NationalRelease
from reports.national_file_tasks import generate_national_files, queue_national_files
from reports.national_rows import csv_text, file_layout, long_rows, row_count, wide_rows, write_csv

logger = logging.getLogger(__name__)

NOTE_NEEDED = "Enter a change note saying what this version corrects: it is published with the files."
NOTE_TOO_LONG = "The change note must be {limit} characters or fewer (it has {length})."
IN_PRODUCTION = "Version {version} of these files is still being generated: wait until it is ready."
GENERATION_FAILED = (
    "The files could not be generated because of a problem in the portal. Try again; if it fails again, "
    "contact the national service desk and quote national files number {pk}."
)
TOO_SLOW = "Generating the files took too long. Try again; if it fails again, contact the national service desk."
NOT_SAVED = (
    "The files were generated but could not be saved because of a problem in the portal. Try again; if it "
    "fails again, contact the national service desk and quote national files number {pk}."
)
NOTE_LIMIT = 2000
FIRST_PUBLICATION = "First publication"

# Progress (per cent) and the step in words, as the generation goes: what the page's bar shows.
CLAIMED, WIDE_START, WIDE_END, LONG_END, DICTIONARY, QUALITY, SAVING, DONE = 2, 5, 70, 88, 92, 95, 98, 100
STEPS = {
    CLAIMED: "Starting",
    WIDE_START: "Writing the file with one row per organisation (CSV and spreadsheet)",
    WIDE_END: "Writing the file with one row per organisation and domain",
    LONG_END: "Writing the data dictionary",
    QUALITY: "Computing the data-quality statement",
    SAVING: "Saving the files",
    DONE: "Ready",
}
PROGRESS_EVERY = 500  # rows between progress updates: a few dozen small writes for 25,000 rows
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReleaseNotSaved(RuntimeError):
    """The files were generated but the database refused the row that makes them ready."""


WAITING = "Waiting for a worker"
JOB = Job(
    model=NationalRelease,
    publish=queue_national_files,
    task=generate_national_files,
    time_limit_setting="NATIONAL_FILES_TIME_LIMIT",
    requeued={"progress": 0, "step": WAITING},
    failed={"step": "Failed"},
)


@transaction.atomic
def national_release_request(*, cycle: Cycle, actor: Any, change_note: str = "") -> NationalRelease:
    """Queue the next version of the cycle's national files; earlier versions are kept as they are.

    `actor` None is the publication step itself (version 1, "First publication"); a person must
    be a national analyst. Every version after the first is a correction and needs a change note,
    which is published with it. Refused while a version is still being generated (unless lost:
    the sweep re-drives that one), so corrections come out one after another, in order."""
    if actor is not None and not may(actor, PublicationAction.PUBLISH_CORRECTION, cycle):
        raise PermissionDenied("You cannot publish the national files of this cycle.")
    # Two requests at once number their versions one after the other.
    Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
    note = (change_note or "").strip()
    newest = NationalRelease.objects.filter(cycle=cycle).aggregate(version=Max("version"))["version"] or 0
    version = newest + 1
    if len(note) > NOTE_LIMIT:
        raise ValidationError({"change_note": NOTE_TOO_LONG.format(limit=NOTE_LIMIT, length=len(note))})
    if version > 1 and not note:
        raise ValidationError({"change_note": NOTE_NEEDED})
    now = timezone.now()
    pending = (
        NationalRelease.objects.filter(cycle=cycle, status__in=NationalRelease.PENDING).exclude(JOB.lost_q(now)).first()
    )
    if pending is not None:
        raise ValidationError(IN_PRODUCTION.format(version=pending.version))
    release = NationalRelease.objects.create(
        cycle=cycle,
        version=version,
        change_note=note or (FIRST_PUBLICATION if version == 1 else ""),
        requested_by=actor,
        status=NationalRelease.Status.QUEUED,
        step=WAITING,
    )
    JOB.queue_after_commit(release.pk)
    return release


@transaction.atomic
def national_release_first(*, cycle_id: int) -> NationalRelease | None:
    """Version 1 of a published cycle's files, unless it has one: what publication asks for (the
    published hook) and what the sweep asks for when that was lost (decision 0012). Idempotent
    under the cycle's lock, so the hook and the sweep never make two."""
    cycle = Cycle.objects.select_for_update().filter(pk=cycle_id, release=Cycle.Release.FINAL).first()
    if cycle is None or NationalRelease.objects.filter(cycle=cycle).exists():
        return None
    return national_release_request(cycle=cycle, actor=None, change_note=FIRST_PUBLICATION)


def published_cycles_without_files() -> list[int]:
    return list(
        Cycle.objects.filter(release=Cycle.Release.FINAL)
        .exclude(pk__in=NationalRelease.objects.values("cycle_id"))
        .values_list("pk", flat=True)
    )


@transaction.atomic
def national_release_retry(*, release: NationalRelease, actor: Any) -> NationalRelease:
    """Generate a failed version again (the same row and number: nothing was published from it)."""
    locked = NationalRelease.objects.select_for_update().select_related("cycle").get(pk=release.pk)
    if not may(actor, PublicationAction.PUBLISH_CORRECTION, locked.cycle):
        raise PermissionDenied("You cannot publish the national files of this cycle.")
    if locked.status != NationalRelease.Status.FAILED:
        raise ValidationError("Only files that failed can be generated again.")
    JOB.retry(locked)
    return locked


def _xlsx_value(value: Any) -> Any:
    # Text is guarded as in the CSV (openpyxl would store "=..." as a formula); numbers stay numbers.
    return csv_text(value) if isinstance(value, str) else value


def _write_files(release: NationalRelease, folder: Path, progress: Callable[..., None]) -> tuple[dict[str, Path], int]:
    """Write the four files into `folder`, streaming the rows, moving the bar with `progress`;
    (paths by field, wide row count)."""
    cycle = release.cycle
    layout = file_layout(cycle)
    total = max(row_count(cycle), 1)
    paths = {
        "wide_csv": folder / f"wgll-national-{cycle.slug}-v{release.version}.csv",
        "xlsx": folder / f"wgll-national-{cycle.slug}-v{release.version}.xlsx",
        "long_csv": folder / f"wgll-national-{cycle.slug}-v{release.version}-long.csv",
        "dictionary_csv": folder / f"wgll-national-{cycle.slug}-v{release.version}-dictionary.csv",
    }
    progress(WIDE_START, STEPS[WIDE_START])
    header = [column.name for column in layout.wide_columns]
    workbook = Workbook(write_only=True)  # rows go to a temporary file, not memory
    sheet = workbook.create_sheet("Organisations")
    sheet.append(header)
    count = 0

    def both(rows):
        nonlocal count
        for row in rows:
            sheet.append([_xlsx_value(value) for value in row])
            count += 1
            if count % PROGRESS_EVERY == 0:
                progress(WIDE_START + (WIDE_END - WIDE_START) * count // total)
            yield row

    with paths["wide_csv"].open("w", newline="", encoding="utf-8") as stream:
        write_csv(stream, header, both(wide_rows(cycle, layout)))
    dictionary = dictionary_rows(layout)
    definitions = workbook.create_sheet("Data dictionary")
    definitions.append(DICTIONARY_HEADER)
    for row in dictionary:
        definitions.append([_xlsx_value(value) for value in row])
    workbook.save(paths["xlsx"])
    progress(WIDE_END, STEPS[WIDE_END])
    with paths["long_csv"].open("w", newline="", encoding="utf-8") as stream:
        write_csv(stream, [column.name for column in layout.long_columns], long_rows(cycle))
    progress(LONG_END, STEPS[LONG_END])
    with paths["dictionary_csv"].open("w", newline="", encoding="utf-8") as stream:
        write_csv(stream, DICTIONARY_HEADER, dictionary)
    return paths, count


def national_release_generate(*, release_id: int) -> NationalRelease | None:
    """Generate a queued version's files and data-quality snapshot and store them; a failure is
    stored on the row, never raised. Idempotent like pack_render: a version ready, failed or being
    generated by a live worker is left alone; one whose worker died is generated again once its
    claim is older than the time limit. The files are written outside any transaction (to a
    temporary folder, then copied to storage in chunks); the row lock is held only to claim the
    job and to record the outcome."""
    release, claimed = JOB.claim(release_id, related=("cycle__framework",), progress=CLAIMED, step=STEPS[CLAIMED])
    if claimed is None:
        return release
    logger.info("Generating national files %s", release_id)

    def progress(per_cent: int, step: str | None = None) -> None:
        JOB.progress(release_id, claimed, progress=per_cent, **({"step": step} if step else {}))

    stored: list[str] = []
    with tempfile.TemporaryDirectory(prefix="wgll-national-") as folder:
        try:
            paths, count = _write_files(release, Path(folder), progress)
            progress(QUALITY, STEPS[QUALITY])
            quality = data_quality_snapshot(release.cycle)
        except SoftTimeLimitExceeded:
            logger.warning("National files %s took too long to generate", release_id)
            return JOB.fail(release_id, TOO_SLOW)
        except Exception:
            logger.exception("National files %s failed to generate", release_id)
            return JOB.fail(release_id, GENERATION_FAILED.format(pk=release_id))
        progress(SAVING, STEPS[SAVING])
        try:
            with transaction.atomic():
                release, ours = JOB.locked_if_still_ours(release_id, claimed)
                if not ours:
                    logger.warning("National files %s were claimed again while this run went on; dropped", release_id)
                    return release
                for field, path in paths.items():
                    with path.open("rb") as handle:
                        getattr(release, field).save(path.name, File(handle), save=False)  # copied in chunks
                    stored.append(getattr(release, field).name)
                release.status = NationalRelease.Status.READY
                release.progress, release.step = DONE, STEPS[DONE]
                release.row_count = count
                release.data_quality = quality
                release.finished_at = timezone.now()
                release.error = ""
                release.save(
                    update_fields=[
                        *paths, "status", "progress", "step", "row_count", "data_quality", "finished_at", "error"
                    ]
                )  # fmt: skip
        except DatabaseError as error:
            logger.exception("National files %s were generated but could not be saved", release_id)
            for name in stored:  # files no row points at
                release.wide_csv.storage.delete(name)
            try:
                JOB.fail(release_id, NOT_SAVED.format(pk=release_id))
            except DatabaseError:
                logger.exception("National files %s left generating, for the sweep to queue again", release_id)
            raise ReleaseNotSaved(f"National files {release_id} could not be saved") from error
    return release


def national_releases_sweep(*, now: datetime.datetime | None = None) -> int:
    """Queue again every version that will not finish otherwise (reports.jobs: one the broker
    never took, one whose message was lost, one whose worker died), and version 1 of a published
    cycle that has no files (its published hook was lost). Run by the reports sweep (Celery beat)."""
    requeued = JOB.requeue_lost(now)
    first = [cycle_id for cycle_id in published_cycles_without_files() if national_release_first(cycle_id=cycle_id)]
    return requeued + len(first)
