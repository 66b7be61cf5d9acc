"""Changes to ICS board packs: request one, retry a failed one, render one (the task calls it),
and the sweep that re-drives packs a broker or worker lost.

The same pipeline as board reports (reports.services): a pack is rendered by a worker, never in
the request; the row's status and progress are what the pages show; a failure is stored on the
row with a message the user can act on, and can be tried again; versions are never deleted.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from assessments.models import Cycle
from assessments.rules.dates import long_datetime
from organisations.access import may
from organisations.models import IntegratedCareSystem
from reports.access import PackAction
from reports.jobs import Job
from reports.models import SystemPack
from reports.pack_data import newest_ready_pack, pack_data, pack_in_production, pack_requests_since
from reports.pack_render import pack_document, pack_pdf
from reports.pack_tasks import queue_pack_render, render_system_pack

logger = logging.getLogger(__name__)

NO_FIGURES = "There are no figures for this cycle yet, so there is nothing to put in a pack."
RENDER_FAILED = (
    "The pack could not be produced because of a problem in the portal. Try again; if it fails again, "
    "contact the national service desk and quote pack number {pk}."
)
TOO_SLOW = "The pack took too long to produce. Try again; if it fails again, contact the national service desk."
FIGURES_GONE = "The cycle's figures are being recomputed. Try again in a few minutes."
NOT_SAVED = (
    "The pack was produced but could not be saved because of a problem in the portal. Try again; if it "
    "fails again, contact the national service desk and quote pack number {pk}."
)
IN_PRODUCTION = "A new version of this pack is already being produced: it appears below when it is ready."
UP_TO_DATE = "The latest version already shows the current figures: download it below."
TOO_MANY = (
    "You have asked for {limit} board packs in the last hour, the most anyone can. You can ask for another from {when}."
)

# A pack costs seconds of a worker: a person may ask for this many an hour (across ICSs and cycles).
REQUESTS_PER_PERSON = 5
REQUEST_WINDOW = datetime.timedelta(hours=1)

# Progress (per cent) as the render goes: what the status page's bar shows.
CLAIMED, GATHERED, WRITTEN, LAID_OUT, DONE = 5, 25, 35, 90, 100


class PackNotSaved(RuntimeError):
    """The PDF was rendered but the database refused the row that makes it ready."""


JOB = Job(
    model=SystemPack, publish=queue_pack_render, task=render_system_pack, time_limit_setting="PACKS_RENDER_TIME_LIMIT"
)


def _audience_action(audience: str) -> str:
    if audience == SystemPack.Audience.REVIEWERS:
        return PackAction.REQUEST_REVIEWERS_PACK
    return PackAction.REQUEST_PACK


@transaction.atomic
def pack_request(*, ics: IntegratedCareSystem, cycle: Cycle, actor: Any, audience: str) -> SystemPack:
    """Queue a new version of the ICS's pack for the cycle, for `audience`. Earlier versions are kept.

    Refused, as for board reports, when a new version would add nothing or only load the workers:
    while one for the same audience is queued or rendering (unless lost: see packs_sweep), when
    the newest ready one already shows the current figures, and beyond REQUESTS_PER_PERSON
    requests a person has made in the last hour.
    """
    if audience not in SystemPack.Audience.values or not may(actor, _audience_action(audience), ics):
        raise PermissionDenied("You cannot ask for this pack.")
    # Two presses at once are checked one after the other (PostgreSQL; SQLite writes one at a time).
    IntegratedCareSystem.objects.select_for_update().filter(pk=ics.pk).first()
    now = timezone.now()
    if pack_in_production(ics, cycle, audience, lost=JOB.lost_q(now)) is not None:
        raise ValidationError(IN_PRODUCTION)
    data = pack_data(ics, cycle, audience)
    if data is None:
        raise ValidationError(NO_FIGURES)
    fingerprint = data.fingerprint
    newest = newest_ready_pack(ics, cycle, audience)
    if newest is not None and newest.fingerprint == fingerprint:
        raise ValidationError(UP_TO_DATE)
    recent = pack_requests_since(actor, now - REQUEST_WINDOW)
    if len(recent) >= REQUESTS_PER_PERSON:
        again = recent[-REQUESTS_PER_PERSON] + REQUEST_WINDOW  # the oldest of the last few leaves the window first
        raise ValidationError(TOO_MANY.format(limit=REQUESTS_PER_PERSON, when=long_datetime(again)))
    pack = SystemPack.objects.create(
        ics=ics,
        cycle=cycle,
        audience=audience,
        requested_by=actor,
        status=SystemPack.Status.QUEUED,
        fingerprint=fingerprint,
        figures_computed_at=data.dashboard.computed_at,
    )
    JOB.queue_after_commit(pack.pk)
    return pack


@transaction.atomic
def pack_retry(*, pack: SystemPack, actor: Any) -> SystemPack:
    """Queue a failed pack again (the same row, so its number stays what the user quoted)."""
    locked = SystemPack.objects.select_for_update().select_related("ics").get(pk=pack.pk)
    if not may(actor, _audience_action(locked.audience), locked.ics):
        raise PermissionDenied("You cannot ask for this pack.")
    if locked.status != SystemPack.Status.FAILED:
        raise ValidationError("Only a pack that failed can be tried again.")
    JOB.retry(locked, actor=actor)
    return locked


def pack_render(*, pack_id: int) -> SystemPack | None:
    """Render a queued pack and store the PDF; a failure is stored on the row with a message the
    user can act on, never raised. Idempotent: a pack already ready or failed is left as it is,
    and so is one another worker is rendering; one left `rendering` by a worker that died is
    rendered again (redelivery or the sweep) once its claim is older than the time limit.

    The PDF is built outside any transaction: the row lock is held only to claim the job and to
    record the outcome. When the database refuses that last write, the pack is marked failed if
    it can be, else it stays `rendering` for the sweep; either way PackNotSaved is raised, so
    the task fails rather than reporting success."""
    pack, claimed = JOB.claim(pack_id, related=("ics__region", "cycle__framework"), progress=CLAIMED)
    if claimed is None:
        return pack
    logger.info("Rendering ICS board pack %s", pack_id)  # once per claim: what an outage test counts
    try:
        data = pack_data(pack.ics, pack.cycle, pack.audience)
        if data is None:
            return JOB.fail(pack_id, FIGURES_GONE)
        JOB.progress(pack_id, claimed, progress=GATHERED)
        document = pack_document(data)
        JOB.progress(pack_id, claimed, progress=LAID_OUT)
        pdf = pack_pdf(document)
    except SoftTimeLimitExceeded:
        logger.warning("ICS board pack %s took too long to render", pack_id)
        return JOB.fail(pack_id, TOO_SLOW)
    except Exception:
        logger.exception("ICS board pack %s failed to render", pack_id)
        return JOB.fail(pack_id, RENDER_FAILED.format(pk=pack_id))
    stored = None
    try:
        with transaction.atomic():
            pack, ours = JOB.locked_if_still_ours(pack_id, claimed)
            if not ours:
                # Not ours any more: taken as dead and claimed again, or finished by that claim.
                logger.warning("ICS board pack %s was claimed again while this render ran; dropped", pack_id)
                return pack
            pack.file.save("pack.pdf", ContentFile(pdf), save=False)
            stored = pack.file.name
            pack.status = SystemPack.Status.READY
            pack.progress = DONE
            pack.pages = len(document.pages)
            pack.finished_at = timezone.now()
            pack.error = ""
            pack.fingerprint = data.fingerprint
            pack.figures_computed_at = data.dashboard.computed_at
            pack.save(
                update_fields=[
                    "file", "status", "progress", "pages", "finished_at", "error", "fingerprint", "figures_computed_at"
                ]
            )  # fmt: skip
    except DatabaseError as error:
        logger.exception("ICS board pack %s was rendered but could not be saved", pack_id)
        if stored:  # the PDF no row points at
            pack.file.storage.delete(stored)
        try:
            JOB.fail(pack_id, NOT_SAVED.format(pk=pack_id))
        except DatabaseError:
            logger.exception("ICS board pack %s left rendering, for the sweep to queue again", pack_id)
        raise PackNotSaved(f"ICS board pack {pack_id} could not be saved") from error
    return pack


def packs_sweep(*, now: datetime.datetime | None = None) -> int:
    """Queue again every pack that will not finish otherwise (reports.jobs: one the broker never
    took, one whose message was lost, one whose worker died); how many. Run periodically by
    Celery beat."""
    return JOB.requeue_lost(now)
