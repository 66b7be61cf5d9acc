"""Cycles, assessments, domain answers, evidence, and the audit trail.

An assessment is one organisation's answers for one cycle. Each applicable domain has one
DomainResponse, which carries a version number: two people editing the same domain can never
overwrite each other silently (the second save is refused and shown what changed).
"""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from assessments.rules.flags import PATTERN_KINDS
from framework.models import Domain, FrameworkVersion
from organisations.models import IntegratedCareSystem, Organisation


class Cycle(models.Model):
    class Release(models.TextChoices):
        UNPUBLISHED = "unpublished", "Not published"
        PROVISIONAL = "provisional", "Provisional release"
        FINAL = "final", "Published"

    name = models.CharField(max_length=7, unique=True, help_text="e.g. 2025/26")
    framework = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="cycles")
    opens_on = models.DateField()
    closes_on = models.DateField()
    release = models.CharField(max_length=12, choices=Release.choices, default=Release.UNPUBLISHED)
    opened_at = models.DateTimeField(null=True, blank=True)
    # Publication (assessments/services/publication.py): organisations review their provisional
    # results in a window, the publication time is announced ahead, and the beat task publishes at it.
    review_opens_on = models.DateField(
        null=True, blank=True, help_text="First day organisations may query their provisional results."
    )
    review_closes_on = models.DateField(
        null=True, blank=True, help_text="Last day organisations may query their provisional results."
    )
    publication_at = models.DateTimeField(
        null=True, blank=True, help_text="When the results are published (announced ahead)."
    )
    publication_announced_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # When every submitted assessment's flags were last worked out together (services/flags.py):
    # a score newer than this means the pattern flags are due again.
    flags_refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-name"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="cycle_closes_after_it_opens")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def slug(self) -> str:
        return self.name.replace("/", "-")


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        READY = "ready_for_sign_off", "Ready for sign-off"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for changes"
        VALIDATED = "validated", "Validated"
        PROVISIONAL = "provisionally_published", "Provisionally published"
        PUBLISHED = "published", "Published"

    EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
    SUBMITTED_OR_LATER = frozenset({Status.SUBMITTED, Status.VALIDATED, Status.PROVISIONAL, Status.PUBLISHED})

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="assessments")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.DRAFT)
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Last cycle's assessment of the same organisation, the source of pre-filled answers.",
    )  # fmt: skip
    extension_until = models.DateField(null=True, blank=True)
    board_sign_off_name = models.CharField(max_length=200, blank=True)
    board_sign_off_role = models.CharField(max_length=200, blank=True)
    board_meeting_date = models.DateField(null=True, blank=True)
    board_minute_reference = models.CharField(max_length=100, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # A re-scoring asked for (`manage.py rescore`) and not yet done: a row, not only a message, so
    # that one the broker could not take is re-driven by the scoring sweep. Cleared by the scoring
    # that does it, under the assessment's row lock.
    rescore_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="When a re-scoring was asked for that has not been done yet."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cycle", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "organisation"], name="one_assessment_per_cycle"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.name}, {self.cycle.name}"

    @property
    def editing_deadline(self) -> datetime.date:
        """The last day answers can be changed: the cycle's closing date, or the end of an
        extension national staff granted, whichever is later."""
        return max(filter(None, [self.cycle.closes_on, self.extension_until]))


class DomainResponse(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CARRIED_FORWARD = "carried_forward", "Carried forward – needs review"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="responses")
    met_criteria = models.JSONField(default=list, blank=True, help_text="Keys of the criteria the organisation meets.")
    level = models.PositiveSmallIntegerField(default=0)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    carried_forward_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_responses"
    )
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["domain__measure__position", "domain__position"]
        constraints = [models.UniqueConstraint(fields=["assessment", "domain"], name="one_response_per_domain")]

    def __str__(self) -> str:
        return f"{self.domain.name} ({self.assessment})"

    @property
    def is_complete(self) -> bool:
        return self.status == self.Status.COMPLETED

    @property
    def answered_level(self) -> int | None:
        """The level the answers reach, or None while the domain is not started (level 0 then
        means "no answer", not "below level 1"): what a plan's target starts from."""
        return None if self.status == self.Status.NOT_STARTED else self.level


def evidence_path(instance: "Evidence", filename: str) -> str:
    # A random name: the uploaded file name is kept in `title` and never used as a path.
    return f"evidence/{instance.response.assessment_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    class Kind(models.TextChoices):
        FILE = "file", "File"
        LINK = "link", "Link"

    response = models.ForeignKey(DomainResponse, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=evidence_path, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    url = models.URLField(max_length=500, blank=True)
    carried_forward = models.BooleanField(default=False)
    # The same evidence seen twice (one file backing every domain, or one organisation's file in
    # another's assessment) is a sign of gaming: assessments/rules/evidence.py says how it is made.
    digest = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text="SHA-256 of the file's content, or of the normalised web link.",
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                name="evidence_is_a_file_or_a_link",
                condition=(Q(kind="file") & ~Q(file="") & Q(url="")) | (Q(kind="link") & Q(file="") & ~Q(url="")),
            )
        ]

    def __str__(self) -> str:
        return self.title


class AuditEvent(models.Model):
    """One recorded change: who, when, what, before and after. Written in the same transaction as
    the change it records, and never updated or deleted by the portal."""

    class Kind(models.TextChoices):
        CYCLE_OPENED = "cycle_opened", "Assessment opened"
        ANSWER_SAVED = "answer_saved", "Answer saved"
        ANSWER_CONFIRMED = "answer_confirmed", "Carried-forward answer confirmed"
        EVIDENCE_ADDED = "evidence_added", "Evidence added"
        EVIDENCE_REMOVED = "evidence_removed", "Evidence removed"
        ASSIGNED = "assigned", "Work assigned"
        TRANSITION = "transition", "Status changed"
        EXTENSION = "extension", "Extension granted"
        FLAG_RESOLVED = "flag_resolved", "Validation flag resolved"
        PLAN_CHANGED = "plan_changed", "Improvement plan changed"
        PLAN_SIGNED_OFF = "plan_signed_off", "Improvement plan signed off"
        PLAN_REOPENED = "plan_reopened", "Improvement plan reopened"
        KNOWLEDGE_SHARED = "knowledge_shared", "Shared with the knowledge base"
        KNOWLEDGE_WITHDRAWN = "knowledge_withdrawn", "Withdrawn from the knowledge base"

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="events")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    summary = models.CharField(max_length=300)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True)
    response_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.summary}"

    def save(self, *args, **kwargs):
        # The trail is append-only: refusing updates here protects it from every code path.
        if self.pk is not None:
            raise ValueError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events cannot be deleted.")


class AssessmentScore(models.Model):
    """The scores of one submitted assessment, written by a worker in one transaction.

    `method_version` records which scoring rules produced them, so results can be re-scored and
    compared honestly; `answers_submitted_at` ties them to the submission they describe, so a
    return and resubmission makes them stale and the sweep re-scores.
    """

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="score")
    overall = models.DecimalField(max_digits=3, decimal_places=1, null=True)
    method_version = models.CharField(max_length=20)
    answers_submitted_at = models.DateTimeField()
    scored_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.assessment}: {self.overall}"


class MeasureScore(models.Model):
    score = models.ForeignKey(AssessmentScore, on_delete=models.CASCADE, related_name="measures")
    measure_key = models.CharField(max_length=40)
    measure_name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField()
    value = models.DecimalField(max_digits=3, decimal_places=1)
    domain_count = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["score", "measure_key"], name="one_score_per_measure")]

    def __str__(self) -> str:
        return f"{self.measure_name}: {self.value}"


class DomainScore(models.Model):
    score = models.ForeignKey(AssessmentScore, on_delete=models.CASCADE, related_name="domains")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    domain_key = models.CharField(max_length=60)
    measure_key = models.CharField(max_length=40)
    level = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["score", "domain"], name="one_score_per_domain"),
            models.CheckConstraint(condition=Q(level__lte=5), name="domain_level_at_most_5"),
        ]

    def __str__(self) -> str:
        return f"{self.domain_key}: {self.level}"


class ValidationFlag(models.Model):
    """A warning that a submitted assessment may be overstated or understated (the detectors and
    their thresholds are in assessments/rules/flags.py and assessments/rules/patterns.py), stored so
    a reviewer can resolve it with a comment.

    A flag is about one domain (`domain` set), one measure (`measure_key` set) or the whole
    assessment (neither). Recomputing keeps a resolved flag, with its resolution, for as long as
    the same flag is still raised. `details` holds the figures behind it (the peers' changes, the
    reused file, the copied notes side by side) for the reviewer's page, as plain JSON.
    """

    class Kind(models.TextChoices):
        # The values are the kinds named in assessments/rules/flags.py.
        LEVEL_JUMP_WITHOUT_NOTE = "level_jump_without_note", "Big change since last year, not explained"
        HIGH_LEVEL_WITHOUT_EVIDENCE = "high_level_without_evidence", "High level without real evidence"
        FALL_WITH_EVIDENCE_UNCHANGED = "fall_with_evidence_unchanged", "Level fell while the evidence is unchanged"
        PREREQUISITE_UNMET = "prerequisite_unmet", "Ahead of the domains it builds on"
        CHANGE_AGAINST_PEERS = "change_against_peers", "Changed unlike similar organisations"
        PEER_OUTLIER = "peer_outlier", "Unusual compared with similar organisations"
        EVIDENCE_REUSED = "evidence_reused", "Same evidence used again and again"
        COPIED_NOTES = "copied_notes", "Notes copied between answers"
        ICB_INCONSISTENT_WITH_MEMBERS = "icb_inconsistent_with_members", "Differs from its member organisations"

    class Severity(models.TextChoices):
        # The values are the severities named in assessments/rules/flags.py.
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    measure_key = models.CharField(max_length=40, blank=True)
    severity = models.CharField(max_length=6, choices=Severity.choices, default=Severity.MEDIUM)
    explanation = models.TextField()
    to_clear = models.TextField(blank=True, help_text="What evidence or change would clear the flag.")
    details = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["assessment", "kind", "measure_key", "domain__position", "pk"]
        # Unique on (assessment, kind, domain, measure_key). NULLs are distinct in SQL, so measure
        # flags (no domain) need their own constraint to be unique on every database.
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "kind", "domain", "measure_key"],
                condition=Q(domain__isnull=False),
                name="one_flag_per_domain",
            ),
            models.UniqueConstraint(
                fields=["assessment", "kind", "measure_key"],
                condition=Q(domain__isnull=True),
                name="one_flag_per_measure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.assessment})"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def is_pattern(self) -> bool:
        """Seen only beside other answers or organisations: for reviewers, never resolved by the
        organisation itself."""
        return self.kind in PATTERN_KINDS


class FlagRate(models.Model):
    """How many of an ICS's submitted organisations are flagged in a cycle, per kind of flag
    (`kind` "" for any kind): precomputed whenever the cycle's flags are refreshed or one is
    resolved, so national and ICS pages read 42 rows per kind instead of every flag."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="flag_rates")
    ics = models.ForeignKey(IntegratedCareSystem, on_delete=models.CASCADE, related_name="flag_rates")
    kind = models.CharField(max_length=40, blank=True, choices=ValidationFlag.Kind.choices)
    submitted = models.PositiveIntegerField(help_text="Organisations of the ICS with a submitted assessment.")
    flagged = models.PositiveIntegerField(help_text="Of those, how many have a flag of this kind.")
    unresolved = models.PositiveIntegerField(help_text="Of those, how many have such a flag not yet resolved.")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["cycle", "ics__name", "kind"]
        constraints = [models.UniqueConstraint(fields=["cycle", "ics", "kind"], name="one_flag_rate_per_kind")]

    def __str__(self) -> str:
        return f"{self.cycle} {self.ics}: {self.flagged} of {self.submitted} flagged ({self.kind or 'any'})"


class CycleEvent(models.Model):
    """One step of a cycle's publication, with who took it and when: the cycle-wide counterpart
    of AuditEvent (each assessment's own moves are AuditEvents too). Never updated or deleted."""

    class Kind(models.TextChoices):
        PROVISIONAL_RELEASE = "provisional_release", "Provisional release"
        REVIEW_WINDOW = "review_window", "Review window changed"
        ANNOUNCED = "announced", "Publication date announced"
        RESCHEDULED = "rescheduled", "Publication date changed"
        PUBLISHED = "published", "Published"
        PRE_RELEASE_ACCESS = "pre_release_access", "Pre-release access recorded"

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    summary = models.CharField(max_length=300)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.cycle}: {self.summary}"


class ProvisionalQuery(models.Model):
    """An organisation's (or its ICS's) question about its provisional results, raised in the
    review window and answered by national analysts: "answered" (the figures stand, with why) or
    "accepted" (the figures will be corrected before publication). Its history is kept whole."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ANSWERED = "answered", "Answered"
        ACCEPTED = "accepted", "Accepted"

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="queries")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    domain_key = models.CharField(max_length=60, blank=True, help_text="The domain asked about, if one.")
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["raised_at", "pk"]
        verbose_name_plural = "provisional queries"
        constraints = [
            models.CheckConstraint(
                name="query_response_with_its_status",
                condition=(Q(status="open") & Q(response="")) | (~Q(status="open") & ~Q(response="")),
            )
        ]

    def __str__(self) -> str:
        return f"Query on {self.assessment} ({self.get_status_display()})"


class PreReleaseAccess(models.Model):
    """Someone who saw a cycle's figures before publication, as official statistics practice
    requires recording: national staff who opened the figures in the portal (recorded at the
    time, `recorded_by` empty) and people an analyst briefed outside it (recorded by them)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="pre_release_access")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    capacity = models.CharField(max_length=200, help_text="Role and organisation, e.g. 'Analyst, NHS England'.")
    reason = models.CharField(max_length=300)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["first_seen_at", "pk"]
        verbose_name_plural = "pre-release access"
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "user"], condition=Q(recorded_by__isnull=True), name="one_portal_access_row_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.cycle})"


class Notification(models.Model):
    """An e-mail the portal sent a person: a message about a change, sent as it happens, or a
    reminder from the daily sweep (assessments/services/reminders.py). Their notifications page
    lists them; the sweep reads them so that no reminder goes twice."""

    class Kind(models.TextChoices):
        MESSAGE = "message", "Message"
        DEADLINE = "deadline", "Reminder: domains to finish"
        SIGN_OFF_WAITING = "sign_off_waiting", "Reminder: waiting for sign-off"
        RETURNED_WAITING = "returned_waiting", "Reminder: returned, waiting for changes"
        REVIEW_WAITING = "review_waiting", "Reminder: waiting for review"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    # For a reminder: the keys of what it was about (e.g. "deadline:12:2026-03-31:14").
    items = models.JSONField(default=list, blank=True)
    sent_on = models.DateField(help_text="The local date it was sent.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notification_recipient_newest")]
        constraints = [
            # At most one reminder of each kind a person a day, whatever runs the sweep and how often.
            models.UniqueConstraint(
                fields=["recipient", "kind", "sent_on"],
                condition=~Q(kind="message"),
                name="one_reminder_of_a_kind_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sent_on} {self.get_kind_display()} to {self.recipient_id}: {self.subject}"


class StaffPulse(models.Model):
    """A short anonymous survey an organisation sends its staff through one general link, beside
    its assessment (assessments/rules/pulse.py has the statements). The link is meant to be shared
    widely, so its code is kept as it is; it only lets people answer, never see anything."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="pulse")
    code = models.CharField(max_length=32, unique=True, editable=False)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Staff pulse of {self.assessment}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class PulseResponse(models.Model):
    """One person's answers. Nothing about who they are is kept: no account, no address, and only
    the day (not the time) they answered, so a response cannot be matched to a visit."""

    pulse = models.ForeignKey(StaffPulse, on_delete=models.CASCADE, related_name="responses")
    answers = models.JSONField()
    answered_on = models.DateField()

    def __str__(self) -> str:
        return f"Response to {self.pulse_id} on {self.answered_on}"


class PollRequest(models.Model):
    """One colleague asked for their view of one domain's criteria, by e-mail, with a link that
    needs no account, works once and expires. Only the link secret's digest is stored. Their
    answers are shown beside each criterion on the domain page; they never change an answer."""

    class View(models.TextChoices):
        MET = "met", "Met"
        NOT_MET = "not_met", "Not met"
        DONT_KNOW = "dont_know", "Don't know"

    response = models.ForeignKey(DomainResponse, on_delete=models.CASCADE, related_name="poll_requests")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    name = models.CharField(max_length=150, blank=True)
    email = models.EmailField()
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    views = models.JSONField(default=dict, blank=True)  # criterion key -> View
    comments = models.JSONField(default=dict, blank=True)  # criterion key -> text

    class Meta:
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return f"Poll of {self.email} on response {self.response_id}"


class ImprovementPlan(models.Model):
    """What an organisation means to do about its results: targets for chosen domains, each with
    actions (assessments/services/plans.py). Planning happens after submission, so a plan can be
    edited whatever its assessment's status, until the approver signs it off; signing off freezes
    it until the lead reopens it. `version` counts its edits, so two people editing the same plan
    can never overwrite each other silently (as DomainResponse does for answers)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED_OFF = "signed_off", "Signed off"

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="plan")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Last cycle's plan, whose unmet targets and unfinished actions this one took over.",
    )  # fmt: skip
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="plan_signed_off_with_its_time",
                condition=(Q(status="draft") & Q(signed_off_at__isnull=True))
                | (Q(status="signed_off") & Q(signed_off_at__isnull=False)),
            )
        ]

    def __str__(self) -> str:
        return f"Improvement plan of {self.assessment}"

    @property
    def is_signed_off(self) -> bool:
        return self.status == self.Status.SIGNED_OFF


class PlanTarget(models.Model):
    """A level the organisation means to reach in one domain by a date. `criteria` are the keys it
    must meet to get there, prefilled from the scoring rule (assessments/rules/plans.py) when the
    target is set; `domain_key` joins it to next year's result across framework versions."""

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="targets")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    domain_key = models.CharField(max_length=60)
    current_level = models.PositiveSmallIntegerField(null=True, blank=True)
    target_level = models.PositiveSmallIntegerField()
    target_date = models.DateField()
    criteria = models.JSONField(default=list, blank=True, help_text="Keys of the unmet criteria the target needs.")
    carried_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["domain__measure__position", "domain__position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "domain_key"], name="one_target_per_domain"),
            models.CheckConstraint(
                condition=Q(target_level__gte=1) & Q(target_level__lte=5), name="target_level_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(current_level__isnull=True) | Q(target_level__gt=models.F("current_level")),
                name="target_above_current_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.domain_key}: level {self.target_level} by {self.target_date}"


class PlanAction(models.Model):
    """One thing to do towards a target, with the person at the organisation who owns it."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    target = models.ForeignKey(PlanTarget, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    dropped_reason = models.TextField(blank=True)
    carried_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                name="dropped_action_has_a_reason",
                condition=~Q(status="dropped") | ~Q(dropped_reason=""),
            )
        ]

    def __str__(self) -> str:
        return self.description[:60]


class PeerContactRequest(models.Model):
    """One organisation asking another, which reached a higher level in a domain, to get in
    touch about it (assessments/services/peers.py). No contact details pass until the asked
    organisation's lead accepts: then each side sees the other's named person. Its history
    (who asked, who answered, when) is kept whole."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a reply"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="peer_requests_sent")
    to_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="peer_requests_received")
    domain_key = models.CharField(max_length=60)
    # The domain's name when asked: keys outlive versions, and the list needs no framework read.
    domain_name = models.CharField(max_length=200)
    message = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # Asking again while the first request waits would only nag the other lead.
            models.UniqueConstraint(
                fields=["from_organisation", "to_organisation", "domain_key"],
                condition=Q(status="pending"),
                name="one_pending_peer_request",
            ),
            models.CheckConstraint(
                condition=~Q(from_organisation=models.F("to_organisation")), name="peer_request_to_another"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_organisation_id} asks {self.to_organisation_id} about {self.domain_key}"
