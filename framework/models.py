"""Framework versions: measures -> domains -> levels 1-5 -> criteria.

Rows are written only by the definition-file loader. Keys (measure, domain, criterion) are
stable across versions, and year-on-year comparison joins on them, never on labels or ids.
"""

from collections.abc import Mapping
from typing import TypeVar

from django.conf import settings
from django.db import models

T = TypeVar("T")


class FrameworkVersion(models.Model):
    version = models.CharField(max_length=7, unique=True, help_text="e.g. 2025/26")
    title = models.CharField(max_length=200)
    published_on = models.DateField()
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    source_file = models.CharField(max_length=200)
    source_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)
    # Set when the first assessment cycle uses the version; from then on it can only be superseded.
    in_use_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return self.version

    @property
    def is_in_use(self) -> bool:
        return self.in_use_since is not None


class Measure(models.Model):
    framework = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="measures")
    key = models.CharField(max_length=40)
    name = models.CharField(max_length=100)
    summary = models.TextField()
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["framework", "position"]
        constraints = [models.UniqueConstraint(fields=["framework", "key"], name="unique_measure_key")]

    def __str__(self) -> str:
        return self.name


class Domain(models.Model):
    framework = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="domains")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="domains")
    key = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()
    care_settings = models.JSONField(default=list, blank=True)
    system_assessment = models.BooleanField(default=False, help_text="Part of the ICB system-level assessment.")
    replaces = models.JSONField(
        default=list, blank=True, help_text="Keys of domains in the superseded version this one replaces."
    )
    evidence_from = models.JSONField(
        null=True, blank=True, help_text="Keys of the domains whose evidence carries forward to this one (null: all)."
    )
    depends_on = models.JSONField(
        default=list,
        blank=True,
        help_text="Keys of the domains of the same version this one builds on (its prerequisites).",
    )
    what_good_looks_like = models.TextField()
    evidence_expected = models.JSONField(default=list)

    class Meta:
        ordering = ["measure__position", "position"]
        constraints = [models.UniqueConstraint(fields=["framework", "key"], name="unique_domain_key")]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, care_settings: list[str], *, is_icb: bool) -> bool:
        if is_icb:
            return self.system_assessment
        return any(setting in self.care_settings for setting in care_settings)

    @property
    def predecessor_keys(self) -> list[str]:
        """Keys that may hold this domain's answers in the superseded version: its own (when it
        kept its key) and any it renamed, split off from or merged."""
        return [self.key, *(key for key in self.replaces if key != self.key)]

    def predecessors_in(self, last_year: Mapping[str, T]) -> list[T]:
        """What `last_year` (anything keyed by last year's domain keys: answers, levels) holds
        for the domains this one continues, in `predecessor_keys` order. The one way year-on-year
        figures are joined: on keys, never on names or row ids."""
        return [last_year[key] for key in self.predecessor_keys if key in last_year]

    def carries_evidence_from(self, predecessor_key: str) -> bool:
        """Whether last year's evidence for `predecessor_key` carries forward to this domain."""
        return self.evidence_from is None or predecessor_key in self.evidence_from


class Level(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="levels")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["domain", "number"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "number"], name="unique_level_number"),
            models.CheckConstraint(condition=models.Q(number__gte=1, number__lte=5), name="level_between_1_and_5"),
        ]

    def __str__(self) -> str:
        return f"Level {self.number}: {self.name}"


class Criterion(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="criteria")
    level = models.ForeignKey(Level, on_delete=models.CASCADE, related_name="criteria")
    key = models.CharField(max_length=60)
    text = models.TextField()
    position = models.PositiveSmallIntegerField()
    replaces = models.JSONField(
        default=list,
        blank=True,
        help_text="Keys of criteria of the domains this one continues that it asks the same as; their answers carry.",
    )

    class Meta:
        ordering = ["level__number", "position"]
        verbose_name_plural = "criteria"
        constraints = [models.UniqueConstraint(fields=["domain", "key"], name="unique_criterion_key")]

    def __str__(self) -> str:
        return self.text


class KnowledgeEntry(models.Model):
    """A blueprint or case study: what an organisation did to move up in a domain.

    Reviewed entries (blueprints, case studies) are written only by `load_knowledge` from the
    reviewed files in framework/knowledge/, which stay the source of truth; shared entries are
    published by an organisation's assessment lead from its own assessment, with its consent,
    and are not reviewed. Entries are keyed on the framework's stable domain keys, so they keep
    applying when a new framework version keeps the key."""

    class Kind(models.TextChoices):
        BLUEPRINT = "blueprint", "Blueprint"
        CASE_STUDY = "case_study", "Case study"
        SHARED = "shared", "Shared by an organisation"

    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished by an editor"
        WITHDRAWN = "withdrawn", "Withdrawn by the organisation"
        REMOVED = "removed", "Removed from the reviewed files"

    class CostBand(models.TextChoices):
        UNDER_50K = "under_50k", "Under £50k"
        FROM_50K = "50k_250k", "£50k to £250k"
        FROM_250K = "250k_1m", "£250k to £1m"
        OVER_1M = "over_1m", "Over £1m"
        UNKNOWN = "unknown", "Not known"

    REVIEWED_KINDS = frozenset({Kind.BLUEPRINT, Kind.CASE_STUDY})

    key = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=150)
    summary = models.CharField(max_length=600)
    body = models.TextField(help_text="What they did, step by step.")
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="knowledge_entries",
    )
    # For authors that are not an organisation in our list (a national team, a supplier-neutral
    # programme); shown instead of the organisation's name.
    author_name = models.CharField(max_length=200, blank=True)
    care_settings = models.JSONField(default=list, blank=True)
    domain_keys = models.JSONField(default=list)
    # Derived from domain_keys through the current framework when the entry is written, so the
    # measure facet needs no join.
    measure_keys = models.JSONField(default=list)
    level_from = models.PositiveSmallIntegerField()
    level_to = models.PositiveSmallIntegerField()
    cost_band = models.CharField(max_length=10, choices=CostBand.choices, default=CostBand.UNKNOWN)
    outcome = models.TextField(blank=True)
    contact = models.CharField(max_length=200, blank=True, help_text="A role or team, never a person's e-mail.")
    links = models.JSONField(default=list, blank=True, help_text="[{title, url}]")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PUBLISHED, db_index=True)
    source_file = models.CharField(max_length=200, blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True)
    # Shared entries: who published it, when the organisation's consent was given, and the
    # assessment it came from ("2025/26"), as text because framework never imports assessments.
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_given_at = models.DateTimeField(null=True, blank=True)
    shared_from_cycle = models.CharField(max_length=7, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "key"]
        verbose_name_plural = "knowledge entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level_from__gte=1, level_from__lte=5, level_to__gte=1, level_to__lte=5),
                name="knowledge_levels_between_1_and_5",
            ),
            models.CheckConstraint(
                condition=models.Q(level_from__lt=models.F("level_to")), name="knowledge_level_from_below_to"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="shared") | (models.Q(organisation__isnull=False) & models.Q(source_file="")),
                name="knowledge_shared_has_an_organisation",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="shared") | ~models.Q(source_file=""),
                name="knowledge_reviewed_has_a_source_file",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_reviewed(self) -> bool:
        return self.kind in self.REVIEWED_KINDS

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def author(self) -> str:
        if self.author_name:
            return self.author_name
        return self.organisation.name if self.organisation_id else ""
