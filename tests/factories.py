import io
import zipfile
from dataclasses import dataclass

import factory
from pypdf import PdfWriter

from organisations.models import (
    ICS_ROLES,
    ORGANISATION_ROLES,
    IntegratedCareSystem,
    Organisation,
    Region,
    RoleAssignment,
    User,
)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("ods_code",)

    ods_code = factory.Sequence(lambda n: f"Y{n % 100:02d}")
    name = factory.Sequence(lambda n: f"Region {n}")


class SystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntegratedCareSystem

    icb_ods_code = factory.Sequence(lambda n: f"Q{n:02d}")
    ons_code = factory.Sequence(lambda n: f"E54{n:06d}")
    name = factory.Sequence(lambda n: f"NHS Test System {n} Integrated Care Board")
    region = factory.SubFactory(RegionFactory)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    ods_code = factory.Sequence(lambda n: f"T{n:02d}")
    name = factory.Sequence(lambda n: f"Test Hospitals NHS Trust {n}")
    official_name = factory.LazyAttribute(lambda o: o.name.upper())
    kind = Organisation.Kind.TRUST
    ics = factory.SubFactory(SystemFactory)
    care_settings = factory.LazyFunction(lambda: ["acute"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@trust.nhs.uk")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def grant(user: User, role: str, where=None) -> RoleAssignment:
    if role in ORGANISATION_ROLES:
        return RoleAssignment.objects.create(user=user, role=role, organisation=where)
    if role in ICS_ROLES:
        return RoleAssignment.objects.create(user=user, role=role, ics=where)
    return RoleAssignment.objects.create(user=user, role=role)


@dataclass
class World:
    ics_1: IntegratedCareSystem
    ics_2: IntegratedCareSystem
    trust_a: Organisation
    trust_b: Organisation
    trust_c: Organisation
    icb_1: Organisation

    @classmethod
    def build(cls) -> "World":
        ics_1, ics_2 = SystemFactory(), SystemFactory()
        return cls(
            ics_1=ics_1,
            ics_2=ics_2,
            trust_a=OrganisationFactory(ics=ics_1, name="Trust A", care_settings=["acute", "community"]),
            trust_b=OrganisationFactory(ics=ics_2, name="Trust B"),
            trust_c=OrganisationFactory(ics=ics_1, name="Trust C", care_settings=["mental_health"]),
            icb_1=OrganisationFactory(
                ics=ics_1, ods_code=ics_1.icb_ods_code, name="ICB 1", kind=Organisation.Kind.ICB, care_settings=[]
            ),
        )


def minimal_pdf_bytes(*, encrypt_with: str | None = None) -> bytes:
    """A real one-page PDF, as evidence uploads must be (they are opened with pypdf before being
    accepted); `encrypt_with` protects it with that password."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if encrypt_with is not None:
        writer.encrypt(encrypt_with, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def office_bytes(*parts: str) -> bytes:
    """An Office Open XML file (a zip) holding the named parts, with small XML in each."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            archive.writestr(part, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><x/>')
    return buffer.getvalue()
