"""Regions, Integrated Care Systems, organisations and the people who act for them.

ODS codes are the identifiers every NHS dataset joins on, so every organisation-shaped row is
keyed on one and exports and the API use them rather than row ids.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Lower, Upper
from django.utils.crypto import salted_hmac
from knox.models import AbstractAuthToken
from simple_history.models import HistoricalRecords


class CareSetting(models.TextChoices):
    ACUTE = "acute", "Acute"
    ACUTE_SPECIALIST = "acute_specialist", "Acute specialist"
    MENTAL_HEALTH = "mental_health", "Mental health"
    COMMUNITY = "community", "Community"
    AMBULANCE = "ambulance", "Ambulance"


class EprSupplier(models.TextChoices):
    """The electronic patient record suppliers NHS trusts in England mostly run, for matching
    peers "aligned in technology". "Other" is recorded but never counts as the same as anything:
    two organisations on different unlisted systems would otherwise look alike."""

    ALTERA = "altera", "Altera Digital Health (Sunrise)"
    DEDALUS = "dedalus", "Dedalus (Lorenzo)"
    EMIS = "emis", "EMIS"
    EPIC = "epic", "Epic"
    MEDITECH = "meditech", "MEDITECH"
    NERVECENTRE = "nervecentre", "Nervecentre"
    ORACLE_HEALTH = "oracle_health", "Oracle Health (Cerner)"
    RIO = "rio", "RiO (The Access Group)"
    SYSTEM_C = "system_c", "System C (CareFlow)"
    TPP = "tpp", "TPP (SystmOne)"
    OTHER = "other", "Another supplier"


class Region(models.Model):
    ods_code = models.CharField("ODS code", max_length=3, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IntegratedCareSystem(models.Model):
    """An ICS, identified by the ODS code of its Integrated Care Board."""

    icb_ods_code = models.CharField("ICB ODS code", max_length=5, unique=True)
    ons_code = models.CharField("ONS code", max_length=9, unique=True)
    name = models.CharField(max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="systems")

    class Meta:
        ordering = ["name"]
        verbose_name = "integrated care system"

    def __str__(self) -> str:
        return self.short_name

    @property
    def short_name(self) -> str:
        """'NHS North Central London Integrated Care Board' reads as 'North Central London'."""
        name = self.name.removeprefix("NHS ").removesuffix(" Integrated Care Board")
        return name


class Programme(models.Model):
    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        TRUST = "trust", "NHS trust"
        ICB = "icb", "Integrated Care Board"

    class CareSettingsSource(models.TextChoices):
        REFERENCE_DATA = "reference_data", "Reference data"
        PORTAL = "portal", "Corrected in the portal"

    ods_code = models.CharField("ODS code", max_length=6, unique=True)
    name = models.CharField("display name", max_length=200)
    official_name = models.CharField(max_length=200)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    ics = models.ForeignKey(
        IntegratedCareSystem, on_delete=models.PROTECT, related_name="organisations", verbose_name="ICS"
    )
    postcode = models.CharField(max_length=10, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    # Main setting first: benchmarks put an organisation in the peer group of its main setting.
    care_settings = models.JSONField(default=list, blank=True)
    # Once an organisation corrects its settings, a newer reference extract must not undo that.
    care_settings_source = models.CharField(
        max_length=20, choices=CareSettingsSource.choices, default=CareSettingsSource.REFERENCE_DATA
    )
    programmes = models.ManyToManyField(Programme, through="ProgrammeMembership", related_name="organisations")
    # Facts for "peers a level ahead" (assessments/rules/peers.py), recorded by the organisation's lead.
    epr_supplier = models.CharField("EPR supplier", max_length=20, choices=EprSupplier.choices, blank=True)
    peer_suggestions = models.BooleanField(
        "suggested as a peer",
        default=True,
        help_text="Whether other organisations may be shown this one as a peer a level ahead and ask to get in touch.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [
            # For the statistics they give PostgreSQL's planner as much as for lookups: the lists
            # search names in upper case and filter on the main care setting, and with no
            # statistics on those expressions the planner guessed one match where a search finds
            # a thousand, then joined each of them to every ICS and region in turn.
            models.Index(Upper("name"), name="organisation_name_upper"),
            models.Index(KeyTransform(0, "care_settings"), name="organisation_main_setting"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"

    @property
    def main_care_setting(self) -> str | None:
        return self.care_settings[0] if self.care_settings else None

    def care_setting_labels(self) -> list[str]:
        return [CareSetting(value).label for value in self.care_settings]


class ProgrammeMembership(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "organisation"], name="unique_programme_membership")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.programme}"


def normalise_email(address: str | None) -> str:
    """The one form in which an e-mail address is stored, looked up and throttled: trimmed and
    lower-cased. Mail servers treat addresses case-insensitively in practice and people type
    them however they like, so "Lead@Demo.NHS.uk" must be the same person as
    "lead@demo.nhs.uk" at sign-in, in uniqueness and in the lockout count."""
    return (address or "").strip().lower()


class EmailUserManager(UserManager):
    """Users sign in with their e-mail address; there is no separate username."""

    @classmethod
    def normalize_email(cls, email):
        # Django lower-cases only the domain; AbstractUser.clean() (and so every admin and model
        # form) normalises through here, so the whole address is lower-cased.
        return normalise_email(email)

    def get_by_natural_key(self, username):
        # Sign-in looks people up here: whatever the casing typed, it finds the stored address.
        return self.get(email=normalise_email(username))

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalise_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField("e-mail address", unique=True)
    job_title = models.CharField(max_length=200, blank=True)
    # Part of the hash every session carries (see get_session_auth_hash): raising it ends all of
    # this person's sessions at their next request, on every device and whatever the session store.
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    # Reminders (deadlines, work waiting) are the only e-mails a person may turn off: messages
    # about a change to their work are always sent.
    wants_reminders = models.BooleanField("send me reminders", default=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = EmailUserManager()

    class Meta:
        ordering = ["email"]
        constraints = [
            # Addresses are stored lower-case, so the unique key on the address is unique
            # regardless of case: "CIO@trust.nhs.uk" cannot become a second account beside
            # "cio@trust.nhs.uk", even through a bulk insert that skips save().
            models.CheckConstraint(
                condition=Q(email=Lower("email")),
                name="user_email_is_lower_case",
                violation_error_message="Enter the e-mail address in lower case.",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    # Django checks a session's stored hash against these on every request and signs the person
    # out when it differs; it already covers a password change, and the generation covers the rest
    # (removed from a team, signed out by the identity provider). Both the current SECRET_KEY and
    # its fallbacks are honoured, as in Django's own implementation.
    def get_session_auth_hash(self) -> str:
        return self._session_hash(settings.SECRET_KEY)

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(fallback_secret)

    def _session_hash(self, secret: str) -> str:
        return salted_hmac(
            "wgll.User.session",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Role(models.TextChoices):
    # At one organisation
    ASSESSMENT_LEAD = "assessment_lead", "Assessment lead"
    CONTRIBUTOR = "contributor", "Contributor"
    APPROVER = "approver", "Approver (board sign-off)"
    VIEWER = "viewer", "Viewer"
    # At one ICS
    ICS_REVIEWER = "ics_reviewer", "ICS reviewer"
    ICS_BOARD_VIEWER = "ics_board_viewer", "ICS board viewer"
    # National
    NATIONAL_ANALYST = "national_analyst", "National analyst"
    FRAMEWORK_ADMIN = "framework_admin", "Framework administrator"


ORGANISATION_ROLES = frozenset({Role.ASSESSMENT_LEAD, Role.CONTRIBUTOR, Role.APPROVER, Role.VIEWER})
ICS_ROLES = frozenset({Role.ICS_REVIEWER, Role.ICS_BOARD_VIEWER})
NATIONAL_ROLES = frozenset({Role.NATIONAL_ANALYST, Role.FRAMEWORK_ADMIN})


class RoleAssignment(models.Model):
    """One role a person holds, at an organisation, at an ICS, or nationally.

    The scope a role needs is enforced by the database, so no code path can create an
    organisation role without its organisation or a national role tied to one trust.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=30, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="role_assignments"
    )
    ics = models.ForeignKey(
        IntegratedCareSystem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name="ICS",
    )
    granted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["user__email", "role"]
        constraints = [
            models.CheckConstraint(
                name="role_has_matching_scope",
                condition=(
                    Q(role__in=sorted(ORGANISATION_ROLES), organisation__isnull=False, ics__isnull=True)
                    | Q(role__in=sorted(ICS_ROLES), organisation__isnull=True, ics__isnull=False)
                    | Q(role__in=sorted(NATIONAL_ROLES), organisation__isnull=True, ics__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organisation"],
                condition=Q(organisation__isnull=False),
                name="unique_organisation_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "ics"], condition=Q(ics__isnull=False), name="unique_ics_role"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(organisation__isnull=True, ics__isnull=True),
                name="unique_national_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.scope_label}"

    @property
    def scope_label(self) -> str:
        if self.organisation_id:
            return str(self.organisation.name)
        if self.ics_id:
            return str(self.ics.short_name)
        return "national level"


class Invitation(models.Model):
    """An invitation, sent by e-mail, to join an organisation's team as a contributor or viewer.

    Only a digest of the link's secret is stored: the secret itself exists only in the e-mail, so
    someone who reads the database (or a backup) cannot accept an invitation. A link works once,
    until it expires, and only while the person who sent it may still add people."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a reply"
        EXPIRED = "expired", "Expired"
        ACCEPTED = "accepted", "Accepted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("e-mail address")
    role = models.CharField(max_length=30, choices=Role.choices)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A fresh invitation replaces the open one (the service withdraws it first), so a
            # person never holds two live links to the same team.
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(accepted_at__isnull=True, withdrawn_at__isnull=True),
                name="one_open_invitation_per_person",
            ),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="invitation_email_is_lower_case"),
            models.CheckConstraint(
                condition=Q(role__in=["contributor", "viewer"]), name="invitation_role_is_lead_managed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} as {self.get_role_display()} at {self.organisation_id}"

    def status_at(self, moment) -> "Invitation.Status":
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.withdrawn_at:
            return self.Status.WITHDRAWN
        return self.Status.EXPIRED if moment >= self.expires_at else self.Status.PENDING


class TeamEvent(models.Model):
    """One change to an organisation's team, for the team page's history: who did what to whom.
    Written in the same transaction as the change and never changed afterwards."""

    class Kind(models.TextChoices):
        INVITED = "invited", "Invited"
        INVITATION_WITHDRAWN = "invitation_withdrawn", "Invitation withdrawn"
        JOINED = "joined", "Joined"
        ROLE_CHANGED = "role_changed", "Role changed"
        REMOVED = "removed", "Removed"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="team_events")
    kind = models.CharField(max_length=25, choices=Kind.choices)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    # The address, not only a key: the history must still say who was removed after their
    # account has gone.
    subject_email = models.EmailField()
    summary = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.summary

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Team events cannot be changed.")
        super().save(*args, **kwargs)


class ApiToken(AbstractAuthToken):
    """A personal API token (django-rest-knox's, swapped in by KNOX_TOKEN_MODEL): only its hash is
    stored; it acts for its owner under exactly their access, expires, and shows its owner when it
    was last used. The owner names it ("Power BI refresh") to tell their tokens apart."""

    name = models.CharField(max_length=100)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…)"


class Identity(models.Model):
    """A person's account at an identity provider (NHS Care Identity, NHSmail), linked to their
    portal account and matched on the provider's subject identifier alone.

    E-mail addresses are reassigned and can be claimed by anyone a provider lets set one, so an
    address never links an identity to an account: only a sign-in with that account's password
    does (organisations.identity). The organisations the provider says the person works for are
    kept for the service desk to read when granting roles; they never grant a role themselves.
    """

    class Provider(models.TextChoices):
        CIS2 = "cis2", "NHS Care Identity"
        OIDC = "oidc", "Other OpenID Connect provider"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identities")
    provider = models.CharField(max_length=10, choices=Provider.choices)
    subject = models.CharField("subject identifier", max_length=255)
    email = models.EmailField("e-mail address claimed", blank=True)
    claimed_ods_codes = models.JSONField("organisations claimed (ODS codes)", default=list, blank=True)
    id_assurance_level = models.PositiveSmallIntegerField("identity assurance level", null=True, blank=True)
    authentication_assurance_level = models.PositiveSmallIntegerField(
        "authentication assurance level", null=True, blank=True
    )
    first_signed_in_at = models.DateTimeField("first signed in")
    last_signed_in_at = models.DateTimeField("last signed in")

    class Meta:
        ordering = ["user__email", "provider"]
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="unique_identity_subject"),
            # One identity per provider and person: a second one would be someone else's login
            # into this account.
            models.UniqueConstraint(fields=["user", "provider"], name="unique_identity_per_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.get_provider_display()}"


class ProviderSession(models.Model):
    """A provider's session that an identity signed in here with (the ID token's `sid`), so that
    a back-channel logout naming the session alone, as the specification allows, finds the person.
    Kept only as long as a portal session can last (SESSION_COOKIE_AGE): older ones are pruned
    at that identity's next sign-in."""

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="provider_sessions")
    session_id = models.CharField("the provider's session id (sid)", max_length=255)
    signed_in_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["identity", "session_id"], name="unique_provider_session")]
        indexes = [models.Index(fields=["session_id"], name="provider_session_sid")]

    def __str__(self) -> str:
        return f"{self.identity}: session {self.session_id}"
