"""Changes to organisations and roles. Each function is one transaction and names its actor."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction

from organisations.access import Action, forget_grants, may
from organisations.models import (
    ICS_ROLES,
    NATIONAL_ROLES,
    ORGANISATION_ROLES,
    CareSetting,
    EprSupplier,
    IntegratedCareSystem,
    Organisation,
    Programme,
    ProgrammeMembership,
    Region,
    RoleAssignment,
    User,
)
from organisations.reference_data import (
    DEFAULT_DATA_DIR,
    PROGRAMME_NAMES,
    LoadedOrganisation,
    read_reference_data,
)


@dataclass
class LoadSummary:
    """created / updated / unchanged per kind of row, for the command to print."""

    counts: dict[str, Counter] = field(default_factory=dict)
    kept_corrections: list[str] = field(default_factory=list)

    def count(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1

    def lines(self) -> list[str]:
        lines = [
            f"{kind:<24} {c['created']:>4} created {c['updated']:>4} updated {c['unchanged']:>4} unchanged"
            for kind, c in self.counts.items()
        ]
        if self.kept_corrections:
            lines.append("Kept care settings corrected in the portal for: " + ", ".join(sorted(self.kept_corrections)))
        return lines


class _Upserter:
    """Create or update rows by their natural key, counting what happened.

    Existing rows are read once per model up front, so a refresh of ~300 rows costs a handful
    of queries plus one write per row that actually changed.
    """

    def __init__(self, summary: LoadSummary):
        self.summary = summary
        self.existing: dict[type, dict] = {}

    def __call__(self, model, kind: str, lookup: dict[str, Any], values: dict[str, Any]):
        if model not in self.existing:
            self.existing[model] = {self._key(model, row): row for row in model.objects.all()}
        rows = self.existing[model]
        key = tuple(lookup.values())
        instance = rows.get(key)
        if instance is None:
            instance = model.objects.create(**lookup, **values)
            rows[key] = instance
            self.summary.count(kind, "created")
            return instance
        changed = [name for name, value in values.items() if self._current(instance, name) != self._comparable(value)]
        if changed:
            for name in changed:
                setattr(instance, name, values[name])
            instance.save(update_fields=changed)
            self.summary.count(kind, "updated")
        else:
            self.summary.count(kind, "unchanged")
        return instance

    @staticmethod
    def _current(instance, name: str):
        # Compare foreign keys by id, so checking a row never loads its related row.
        field = instance._meta.get_field(name)
        return getattr(instance, field.attname)

    @staticmethod
    def _comparable(value):
        return value.pk if isinstance(value, models.Model) else value

    @staticmethod
    def _key(model, row) -> tuple:
        fields = _NATURAL_KEYS[model]
        return tuple(getattr(row, field) for field in fields)


_NATURAL_KEYS = {
    Region: ("ods_code",),
    IntegratedCareSystem: ("icb_ods_code",),
    Organisation: ("ods_code",),
    ProgrammeMembership: ("programme_id", "organisation_id"),
}


@transaction.atomic
def organisations_load_reference_data(*, directory: Path = DEFAULT_DATA_DIR) -> LoadSummary:
    """Upsert regions, ICSs, ICBs, trusts and programme memberships by their codes.

    The whole extract is checked before the first write (ReferenceDataError lists every problem),
    including against what is already loaded: a row may not change an organisation's kind or ICS.
    The writes share one transaction, so the database is never left half-loaded.
    """
    loaded = {
        code: LoadedOrganisation(kind=kind, icb_code=icb_code, name=name)
        for code, kind, icb_code, name in Organisation.objects.values_list(
            "ods_code", "kind", "ics__icb_ods_code", "name"
        )
    }
    data = read_reference_data(directory, loaded)
    summary = LoadSummary()
    upsert = _Upserter(summary)
    regions = {
        row.ods_code: upsert(Region, "Regions", {"ods_code": row.ods_code}, {"name": row.name}) for row in data.regions
    }
    systems = {
        row.ods_code: upsert(
            IntegratedCareSystem,
            "Integrated care systems",
            {"icb_ods_code": row.ods_code},
            {"ons_code": row.ons_code, "name": row.name, "region": regions[row.region_code]},
        )
        for row in data.icbs
    }
    organisations: dict[str, Organisation] = {}
    for row in data.icbs:
        organisations[row.ods_code] = upsert(
            Organisation,
            "ICB organisations",
            {"ods_code": row.ods_code},
            {"name": row.name, "official_name": row.name, "kind": Organisation.Kind.ICB, "ics": systems[row.ods_code]},
        )
    corrected = set(
        Organisation.objects.filter(care_settings_source=Organisation.CareSettingsSource.PORTAL).values_list(
            "ods_code", flat=True
        )
    )
    for row in data.trusts:
        values = {
            "name": row.name,
            "official_name": row.official_name,
            "kind": Organisation.Kind.TRUST,
            "ics": systems[row.icb_code],
            "postcode": row.postcode,
            "opened_on": row.opened_on,
        }
        if row.ods_code in corrected:
            summary.kept_corrections.append(row.ods_code)
        else:
            values["care_settings"] = list(row.care_settings)
        organisations[row.ods_code] = upsert(Organisation, "Trusts", {"ods_code": row.ods_code}, values)
    programmes: dict[str, Programme] = {}
    for row in data.programmes:
        if row.programme not in programmes:
            programmes[row.programme], _ = Programme.objects.get_or_create(
                key=row.programme, defaults={"name": PROGRAMME_NAMES.get(row.programme, row.programme)}
            )
        upsert(
            ProgrammeMembership,
            "Programme memberships",
            {"programme_id": programmes[row.programme].pk, "organisation_id": organisations[row.ods_code].pk},
            {"note": row.note},
        )
    return summary


def validate_care_settings(care_settings: list[str]) -> list[str]:
    if not care_settings:
        raise ValidationError({"care_settings": "Select at least one care setting."})
    unknown = [setting for setting in care_settings if setting not in CareSetting.values]
    if unknown:
        raise ValidationError({"care_settings": f"Unknown care setting: {', '.join(unknown)}."})
    if len(set(care_settings)) != len(care_settings):
        raise ValidationError({"care_settings": "Each care setting can be selected once."})
    return care_settings


@transaction.atomic
def organisation_correct_care_settings(
    *, organisation: Organisation, care_settings: list[str], actor: User
) -> Organisation:
    """Record the organisation's own view of its care settings (main setting first).

    Marks them as corrected in the portal so the next reference-data load keeps them.
    """
    if not may(actor, Action.EDIT_CARE_SETTINGS, organisation):
        raise PermissionDenied("You cannot change this organisation's care settings.")
    if organisation.kind != Organisation.Kind.TRUST:
        raise ValidationError({"care_settings": "Only trusts have care settings."})
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    locked.care_settings = validate_care_settings(care_settings)
    locked.care_settings_source = Organisation.CareSettingsSource.PORTAL
    locked._history_user = actor
    locked.save(update_fields=["care_settings", "care_settings_source"])
    return locked


@transaction.atomic
def organisation_set_peer_settings(
    *, organisation: Organisation, epr_supplier: str, peer_suggestions: bool, actor: User
) -> Organisation:
    """Record the organisation's EPR supplier ("" for not recorded) and whether it may be
    suggested to others as a peer a level ahead; kept in the organisation's history."""
    if not may(actor, Action.EDIT_PEER_SETTINGS, organisation):
        raise PermissionDenied("You cannot change this organisation's peer settings.")
    if epr_supplier and epr_supplier not in EprSupplier.values:
        raise ValidationError({"epr_supplier": "Select your EPR supplier from the list, or 'Another supplier'."})
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    locked.epr_supplier = epr_supplier
    locked.peer_suggestions = peer_suggestions
    locked._history_user = actor
    locked.save(update_fields=["epr_supplier", "peer_suggestions"])
    return locked


@transaction.atomic
def role_grant(
    *,
    user: User,
    role: str,
    actor: User,
    organisation: Organisation | None = None,
    ics: IntegratedCareSystem | None = None,
) -> RoleAssignment:
    """Give `user` a role at the scope the role needs; granting twice is harmless."""
    if role in ORGANISATION_ROLES and (organisation is None or ics is not None):
        raise ValidationError({"organisation": "This role is held at one organisation: choose the organisation."})
    if role in ICS_ROLES and (ics is None or organisation is not None):
        raise ValidationError({"ics": "This role is held at one ICS: choose the ICS."})
    if role in NATIONAL_ROLES and (organisation is not None or ics is not None):
        raise ValidationError({"role": "National roles are not tied to an organisation or ICS."})
    candidate = RoleAssignment(user=user, role=role, organisation=organisation, ics=ics, granted_by=actor)
    if not may(actor, Action.MANAGE_ROLES, candidate):
        raise PermissionDenied("You cannot grant this role.")
    assignment = RoleAssignment.objects.filter(user=user, role=role, organisation=organisation, ics=ics).first()
    if assignment is None:
        candidate._history_user = actor  # the history names who granted it, whoever's request it was
        try:
            with transaction.atomic():
                candidate.save()
            assignment = candidate
        except IntegrityError:  # granted by someone else in the meantime: the same outcome
            assignment = RoleAssignment.objects.get(user=user, role=role, organisation=organisation, ics=ics)
    forget_grants(user)
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, actor: User) -> None:
    if not may(actor, Action.MANAGE_ROLES, assignment):
        raise PermissionDenied("You cannot revoke this role.")
    assignment._history_user = actor
    assignment.delete()
    forget_grants(assignment.user)


def sessions_end(user: User) -> None:
    """End every session `user` has, at once: their next request anywhere is signed out.

    Raising the generation changes the hash Django checks on each request (User.get_session_auth_hash),
    so this needs no list of sessions and works with any session store.
    """
    User.objects.filter(pk=user.pk).update(session_generation=models.F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])


def user_set_reminders(*, user: User, wants_reminders: bool) -> None:
    """The person's own choice: reminders on or off (messages about changes always go)."""
    User.objects.filter(pk=user.pk).update(wants_reminders=wants_reminders)
    user.wants_reminders = wants_reminders
