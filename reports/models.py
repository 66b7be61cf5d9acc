"""Board report PDFs: one row per generated version.

A report is a long job, so it is a row with a status that pages can show and retry. Versions are
never deleted: a board may have been given an earlier one, and it must stay downloadable.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from assessments.models import Assessment


def report_path(instance: "BoardReport", filename: str) -> str:
    # A random name per version, so a new version never overwrites one a board was given.
    return f"reports/{instance.assessment_id}/{uuid.uuid4().hex}.pdf"


class BoardReport(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    PENDING = frozenset({Status.QUEUED, Status.RENDERING})

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="board_reports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When a person (or a re-scoring) asked for this version: what rate limits count and pages
    # show. Never moved by the sweep, which moves `queued_at` when it queues a lost render again.
    requested_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(
        default=timezone.now,
        help_text="When the render was last queued (requested, retried or re-queued by the sweep).",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=report_path, blank=True)
    error = models.TextField(blank=True, help_text="Why rendering failed, in words safe to show the user.")
    scores_fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 of the score figures the report shows (older rows: when the scores were computed).",
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Board report {self.pk} ({self.assessment}, {self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING
