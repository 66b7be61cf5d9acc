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
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from assessments.models import Cycle
from assessments.rules.dates import long_datetime
from organisations.access import may
from organisations.models import IntegratedCareSystem
from reports.access import PackAction
from reports.models import SystemPack
from reports.pack_data import newest_ready_pack, pack_data, pack_in_production, pack_requests_since
from reports.pack_render import pack_document, pack_pdf
from reports.pack_tasks import queue_pack_render, render_system_pack
from reports.selectors import lost_render_q, never_handed_over_q

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


def stuck_after() -> datetime.timedelta:
    """How long a pack handed to the broker may wait unstarted before its message is taken as
    lost: as for board reports, settings.REPORTS_STUCK_AFTER_SECONDS."""
    return datetime.timedelta(seconds=settings.REPORTS_STUCK_AFTER_SECONDS)


def claim_lost_after() -> datetime.timedelta:
    """How long ago a pack must have been claimed before its worker is taken as dead: the pack
    task's hard time limit (settings.PACKS_RENDER_TIME_LIMIT), beyond which it cannot still run."""
    return datetime.timedelta(seconds=render_system_pack.time_limit or settings.PACKS_RENDER_TIME_LIMIT)


def _lost_q(now: datetime.datetime) -> Q:
    return lost_render_q(handed_before=now - stuck_after(), claimed_before=now - claim_lost_after())


def _hand_over(pack_id: int) -> bool:
    """Publish the render; once the broker has taken it, record when (`queued_at`). A pack the
    broker did not take keeps an empty `queued_at`, and the next sweep hands it over again."""
    if not queue_pack_render(pack_id):
        return False
    SystemPack.objects.filter(pk=pack_id, queued_at__isnull=True).update(queued_at=timezone.now())
    return True


def _queue_after_commit(pack_id: int) -> None:
    transaction.on_commit(lambda: _hand_over(pack_id))


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
    in_production = pack_in_production(
        ics, cycle, audience, handed_before=now - stuck_after(), claimed_before=now - claim_lost_after()
    )
    if in_production is not None:
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
    _queue_after_commit(pack.pk)
    return pack


@transaction.atomic
def pack_retry(*, pack: SystemPack, actor: Any) -> SystemPack:
    """Queue a failed pack again (the same row, so its number stays what the user quoted)."""
    locked = SystemPack.objects.select_for_update().select_related("ics").get(pk=pack.pk)
    if not may(actor, _audience_action(locked.audience), locked.ics):
        raise PermissionDenied("You cannot ask for this pack.")
    if locked.status != SystemPack.Status.FAILED:
        raise ValidationError("Only a pack that failed can be tried again.")
    locked.status = SystemPack.Status.QUEUED
    locked.error = ""
    locked.progress = 0
    locked.started_at = locked.finished_at = None
    locked.requested_by = actor
    locked.requested_at = timezone.now()  # a new request by `actor`
    locked.queued_at = None  # not handed to the broker yet
    locked.save(
        update_fields=[
            "status", "error", "progress", "started_at", "finished_at", "requested_by", "requested_at", "queued_at"
        ]
    )  # fmt: skip
    _queue_after_commit(locked.pk)
    return locked


def _fail(pack_id: int, message: str) -> SystemPack:
    SystemPack.objects.filter(pk=pack_id).update(
        status=SystemPack.Status.FAILED, error=message, finished_at=timezone.now()
    )
    return SystemPack.objects.get(pk=pack_id)


def _progress(pack_id: int, per_cent: int) -> None:
    SystemPack.objects.filter(pk=pack_id, status=SystemPack.Status.RENDERING).update(progress=per_cent)


def _claimable(pack: SystemPack) -> bool:
    """As for board reports: queued, or `rendering` with a claim older than the time limit."""
    if pack.status == SystemPack.Status.QUEUED:
        return True
    if pack.status == SystemPack.Status.RENDERING:
        return pack.started_at is None or pack.started_at < timezone.now() - claim_lost_after()
    return False


def pack_render(*, pack_id: int) -> SystemPack | None:
    """Render a queued pack and store the PDF; a failure is stored on the row with a message the
    user can act on, never raised. Idempotent: a pack already ready or failed is left as it is,
    and so is one another worker is rendering; one left `rendering` by a worker that died is
    rendered again (redelivery or the sweep) once its claim is older than the time limit.

    The PDF is built outside any transaction: the row lock is held only to claim the job and to
    record the outcome. When the database refuses that last write, the pack is marked failed if
    it can be, else it stays `rendering` for the sweep; either way PackNotSaved is raised, so
    the task fails rather than reporting success."""
    with transaction.atomic():
        pack = (
            SystemPack.objects.select_for_update()
            .select_related("ics__region", "cycle__framework")
            .filter(pk=pack_id)
            .first()
        )
        if pack is None or not _claimable(pack):
            return pack
        pack.status = SystemPack.Status.RENDERING
        pack.started_at = claimed = timezone.now()
        pack.progress = CLAIMED
        pack.save(update_fields=["status", "started_at", "progress"])
    logger.info("Rendering ICS board pack %s", pack_id)  # once per claim: what an outage test counts
    try:
        data = pack_data(pack.ics, pack.cycle, pack.audience)
        if data is None:
            return _fail(pack_id, FIGURES_GONE)
        _progress(pack_id, GATHERED)
        document = pack_document(data)
        _progress(pack_id, LAID_OUT)
        pdf = pack_pdf(document)
    except SoftTimeLimitExceeded:
        logger.warning("ICS board pack %s took too long to render", pack_id)
        return _fail(pack_id, TOO_SLOW)
    except Exception:
        logger.exception("ICS board pack %s failed to render", pack_id)
        return _fail(pack_id, RENDER_FAILED.format(pk=pack_id))
    stored = None
    try:
        with transaction.atomic():
            pack = SystemPack.objects.select_for_update().get(pk=pack_id)
            if pack.status != SystemPack.Status.RENDERING or pack.started_at != claimed:
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
            _fail(pack_id, NOT_SAVED.format(pk=pack_id))
        except DatabaseError:
            logger.exception("ICS board pack %s left rendering, for the sweep to queue again", pack_id)
        raise PackNotSaved(f"ICS board pack {pack_id} could not be saved") from error
    return pack


def packs_sweep(*, now: datetime.datetime | None = None) -> int:
    """Queue again every pack that will not finish otherwise, as reports_sweep does for board
    reports: one the broker never took (at the first sweep after it is back), one handed to it
    but not started for stuck_after(), one claimed longer ago than claim_lost_after(). Run
    periodically by Celery beat.

    One query finds and locks them (rows another sweep holds are skipped, not waited for), one
    update moves them back to queued with an empty `queued_at` until the broker takes them, so
    each is queued once a sweep. `requested_at` stays when the person asked, which pages show and
    the rate limit counts."""
    now = now or timezone.now()
    with transaction.atomic():
        stuck = list(
            SystemPack.objects.select_for_update(skip_locked=True)
            .filter(_lost_q(now) | never_handed_over_q())
            .values_list("pk", flat=True)
        )
        if stuck:
            SystemPack.objects.filter(pk__in=stuck).update(
                status=SystemPack.Status.QUEUED, started_at=None, progress=0, queued_at=None
            )
            for pack_id in stuck:
                _queue_after_commit(pack_id)
    return len(stuck)
