from dataclasses import dataclass

import factory

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
