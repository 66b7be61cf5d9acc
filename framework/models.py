"""Framework versions: measures -> domains -> levels 1-5 -> criteria.

Rows are written only by the definition-file loader. Keys (measure, domain, criterion) are
stable across versions, and year-on-year comparison joins on them, never on labels or ids.
"""

from collections.abc import Mapping
from typing import TypeVar

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
