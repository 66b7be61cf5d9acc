"""Board report PDFs: one row per generated version.

A report is a long job, so it is a row with a status that pages can show and retry. Versions are
never deleted: a board may have been given an earlier one, and it must stay downloadable.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from assessments.models import Assessment, Cycle
from organisations.models import IntegratedCareSystem


def report_path(instance: "BoardReport", filename: str) -> str:
    # A random name per version, so a new version never overwrites one a board was given.
    return f"reports/{instance.assessment_id}/{uuid.uuid4().hex}.pdf"


class JobRow(models.Model):
    """A long job's row (reports.jobs): a board report, an ICS board pack or a version of the
    national files. Its status and progress are what pages show and retry; the times are what
    keep it from being lost or done twice: when a person (or a re-scoring) asked, never moved by
    the sweep, which rate limits count and pages show; when the broker took the message (empty:
    not yet handed to it, and the next sweep will); when a worker claimed it (one claimed longer
    ago than the task's time limit died)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    PENDING = frozenset({Status.QUEUED, Status.RENDERING})

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent of the render done (0-100).")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the broker took the render (empty: not yet handed to it; the sweep will).",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why rendering failed, in words safe to show the user.")

    class Meta:
        abstract = True

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING


class BoardReport(JobRow):
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="board_reports")
    file = models.FileField(upload_to=report_path, blank=True)
    # How far the render has got, for the page that follows it (reports.services.report_render).
    step = models.CharField(max_length=100, blank=True, help_text="What the worker is doing now, in words.")
    scores_fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 of the score figures the report shows (older rows: when the scores were computed).",
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Board report {self.pk} ({self.assessment}, {self.get_status_display()})"


class FigureSet(models.Model):
    """The comparison figures of one cycle (reports.aggregates), as last computed by a worker.

    One row per cycle, replaced with its figures in one transaction, so a page always reads a
    complete set and can say when it was computed. `source_changed_at` is the newest change to
    the cycle's assessments or scores that the figures include: the sweep recomputes a cycle
    whenever something has changed since.
    """

    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="figure_set")
    computed_at = models.DateTimeField()
    source_changed_at = models.DateTimeField(null=True, blank=True)
    organisations = models.PositiveIntegerField(help_text="Organisations whose results count in the figures.")

    def __str__(self) -> str:
        return f"Figures for {self.cycle} (computed {self.computed_at:%Y-%m-%d %H:%M})"


class Figure(models.Model):
    """One group's figures for the overall score, a measure or a domain (reports.aggregates.Aggregate).

    Groups are keyed on stable codes (ICB and region ODS codes, care-setting values) and
    measures and domains on their keys, so figures join across cycles and frameworks. A group
    too small to disclose keeps its size and nothing else."""

    class Scope(models.TextChoices):
        NATIONAL = "national", "All trusts in England"
        CARE_SETTING = "care_setting", "Trusts of one main care setting"
        REGION = "region", "Trusts of one region"
        ICS = "ics", "Trusts of one integrated care system"
        ICBS = "icbs", "Integrated care boards' own assessments"

    figure_set = models.ForeignKey(FigureSet, on_delete=models.CASCADE, related_name="figures")
    scope = models.CharField(max_length=12, choices=Scope.choices)
    scope_key = models.CharField(max_length=20, blank=True)
    measure_key = models.CharField(max_length=40, blank=True, help_text="Blank: the overall score.")
    domain_key = models.CharField(max_length=60, blank=True, help_text="Blank: a measure or the overall score.")
    size = models.PositiveIntegerField(help_text="Organisations with a figure in this group.")
    mean = models.DecimalField(max_digits=3, decimal_places=1, null=True)
    median = models.DecimalField(max_digits=3, decimal_places=1, null=True)
    minimum = models.DecimalField(max_digits=3, decimal_places=1, null=True)
    maximum = models.DecimalField(max_digits=3, decimal_places=1, null=True)
    lower_quartile = models.DecimalField(max_digits=3, decimal_places=1, null=True)
    upper_quartile = models.DecimalField(max_digits=3, decimal_places=1, null=True)
    level_counts = models.JSONField(default=dict, blank=True)
    mix_adjusted = models.DecimalField(max_digits=3, decimal_places=1, null=True)
    adjusted_difference = models.DecimalField(max_digits=3, decimal_places=1, null=True)
    adjusted_fallbacks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["figure_set", "scope", "scope_key", "measure_key", "domain_key"], name="unique_figure"
            )
        ]
        indexes = [models.Index(fields=["scope", "scope_key"], name="figure_scope")]

    def __str__(self) -> str:
        return f"{self.scope} {self.scope_key} {self.measure_key or 'overall'} {self.domain_key}".strip()


class CountFigure(models.Model):
    """Counts of one group of a cycle's organisations that the national dashboard shows and that
    are not scores: how far each organisation has got with its assessment (topic "progress":
    status -> organisations, "not started" and "in progress" telling drafts apart by whether an
    answer has been saved) and the open validation flags ("flags": kind -> open flags and
    organisations with one). Computed by the same worker refresh as the cycle's Figure rows and
    replaced with them in one transaction (it belongs to the FigureSet), so a page reads a fixed
    number of rows however many organisations there are, and says when they were counted
    (FigureSet.computed_at)."""

    class Topic(models.TextChoices):
        PROGRESS = "progress", "Submission progress"
        FLAGS = "flags", "Open validation flags"
        TARGETS = "targets", "Improvement plan targets"

    class Scope(models.TextChoices):
        NATIONAL = "national", "All organisations in England"
        REGION = "region", "Organisations of one region"
        ICS = "ics", "Organisations of one integrated care system"

    figure_set = models.ForeignKey(FigureSet, on_delete=models.CASCADE, related_name="counts")
    topic = models.CharField(max_length=10, choices=Topic.choices)
    scope = models.CharField(max_length=10, choices=Scope.choices)
    scope_key = models.CharField(max_length=20, blank=True, help_text="Region or ICB ODS code; blank nationally.")
    counts = models.JSONField(
        default=dict,
        blank=True,
        help_text='progress: {"status": organisations}; flags: {"kind": {"open": flags, "organisations": n}}; '
        'targets: {"plans": n, "domains": [{"key", "name", "measure", "levels": {"level": organisations}}]}.',
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["figure_set", "topic", "scope", "scope_key"], name="unique_count_figure")
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.scope} {self.scope_key}".strip()


def pack_path(instance: "SystemPack", filename: str) -> str:
    # A random name per version, so a new version never overwrites one a board was given.
    return f"packs/{instance.ics_id}/{uuid.uuid4().hex}.pdf"


class SystemPack(JobRow):
    """One version of an ICS board pack PDF (reports.packs): the ICS dashboard of one cycle as
    printed board papers. A long job like a board report: a row with a status and progress that
    pages show, retry and download; versions are never deleted.

    A pack is written for a kind of reader, its audience, not for the person who asked: the
    board pack as an ICS board viewer sees the ICS (submitted results, answer flags only), the
    reviewers' pack as an ICS reviewer does (work in progress by status, pattern flags too). Only
    those who may see what a version shows may download it (reports.access)."""

    class Audience(models.TextChoices):
        BOARD = "board", "For the ICS board"
        REVIEWERS = "reviewers", "For ICS reviewers"

    ics = models.ForeignKey(IntegratedCareSystem, on_delete=models.PROTECT, related_name="packs")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="system_packs")
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.BOARD)
    file = models.FileField(upload_to=pack_path, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    fingerprint = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the figures the pack shows (reports.pack_data)."
    )
    figures_computed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the comparison figures the pack shows were computed (its cover says)."
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["ics", "cycle", "audience"], name="pack_versions"),
            models.Index(fields=["status", "queued_at"], name="pack_pending"),
        ]

    def __str__(self) -> str:
        return f"ICS board pack {self.pk} ({self.ics_id}, {self.cycle_id}, {self.get_status_display()})"


def release_path(instance: "NationalRelease", filename: str) -> str:
    # A random folder per version: a correction never overwrites a file someone has downloaded.
    return f"national/{instance.cycle_id}/v{instance.version}-{uuid.uuid4().hex}/{filename}"


class NationalRelease(JobRow):
    """One version of a cycle's national files (reports.national_files): the wide CSV, the XLSX
    (the data dictionary as its second sheet), the long CSV and the dictionary CSV, generated on
    a worker like a board pack (a row with a status and progress that pages show).

    Files are never edited in place: a correction is version N+1 with a public change note, and
    every version stays downloadable. The data-quality statement is a snapshot taken with the
    files, so each version's statement stays what it said when that version was published."""

    class Status(models.TextChoices):  # a generation, in words, where the others render
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Generating"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="national_releases")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent of the generation done (0-100).")
    step = models.CharField(max_length=100, blank=True, help_text="What the worker is doing now, in words.")
    change_note = models.TextField(blank=True, help_text="Public: what this version changes (needed after version 1).")
    queued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the broker took the generation (empty: not yet handed to it; the sweep will).",
    )
    error = models.TextField(blank=True, help_text="Why generation failed, in words safe to show the user.")
    row_count = models.PositiveIntegerField(null=True, blank=True, help_text="Organisations in the wide file.")
    wide_csv = models.FileField(upload_to=release_path, blank=True, max_length=200)
    xlsx = models.FileField(upload_to=release_path, blank=True, max_length=200)
    long_csv = models.FileField(upload_to=release_path, blank=True, max_length=200)
    dictionary_csv = models.FileField(upload_to=release_path, blank=True, max_length=200)
    data_quality = models.JSONField(
        null=True, blank=True, help_text="The data-quality statement's figures, as computed with the files."
    )

    class Meta:
        ordering = ["cycle", "-version"]
        constraints = [models.UniqueConstraint(fields=["cycle", "version"], name="one_release_per_version")]
        indexes = [models.Index(fields=["status", "queued_at"], name="release_pending")]

    def __str__(self) -> str:
        return f"National files of {self.cycle_id}, version {self.version} ({self.get_status_display()})"
