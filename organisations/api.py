"""Read-only API of organisations and integrated care systems, scoped by the same selectors as the
pages (organisations_visible_to, systems_visible_to: another organisation or ICS is a plain 404)
and keyed on ODS codes, never row ids."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, viewsets

from organisations.models import CareSetting, IntegratedCareSystem, Organisation, ProgrammeMembership
from organisations.pagination import ApiPagination
from organisations.selectors import organisations_visible_to, systems_visible_to


class ProblemSerializer(serializers.Serializer):
    """Every error of the API, as RFC 9457 problem details (made by wgll/api.py's handler)."""

    type = serializers.URLField(help_text="Identifies the kind of problem.")
    title = serializers.CharField(help_text="The HTTP status in words.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, for a person to read.")
    errors = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        required=False,
        help_text="For a validation error: each field in error (dotted path) as `field`, and `message`.",
    )


class Conflict(exceptions.APIException):
    """A write based on something that has since changed (a stale version) or that cannot happen
    in the object's present state. `extra` (e.g. the current state) goes into the problem
    document beside the detail (the project's exception handler, wgll/api.py)."""

    status_code = 409
    default_detail = "Someone else changed this since you read it."
    default_code = "conflict"

    def __init__(self, detail: str | None = None, **extra) -> None:
        super().__init__(detail)
        self.problem_extra = extra


def any_care_setting_q(value: str, prefix: str = "") -> Q:
    """Organisations with `value` among their care settings (main or not). A JSON list's positions
    are compared one by one: SQLite has no JSON containment, and an organisation has at most one
    of each setting, so there are at most len(CareSetting) positions to look at."""
    q = Q()
    for position in range(len(CareSetting.values)):
        q |= Q(**{f"{prefix}care_settings__{position}": value})
    return q


class ProgrammeMembershipSerializer(serializers.ModelSerializer):
    programme = serializers.CharField(source="programme.key", read_only=True, help_text="The programme's key.")
    name = serializers.CharField(source="programme.name", read_only=True)

    class Meta:
        model = ProgrammeMembership
        fields = ["programme", "name", "note"]


class OrganisationSerializer(serializers.ModelSerializer):
    ics = serializers.CharField(source="ics.icb_ods_code", read_only=True, help_text="ICB ODS code of the ICS.")
    region = serializers.CharField(source="ics.region.ods_code", read_only=True)
    main_care_setting = serializers.CharField(read_only=True, allow_null=True, help_text="None for an ICB.")
    care_settings = serializers.ListField(
        child=serializers.ChoiceField(choices=CareSetting.choices), read_only=True, help_text="Main setting first."
    )
    programmes = serializers.SlugRelatedField(many=True, read_only=True, slug_field="key")
    programme_memberships = ProgrammeMembershipSerializer(
        source="programmemembership_set", many=True, read_only=True, help_text="Programmes, with why or since when."
    )

    class Meta:
        model = Organisation
        fields = [
            "ods_code",
            "name",
            "official_name",
            "kind",
            "ics",
            "region",
            "care_settings",
            "main_care_setting",
            "programmes",
            "programme_memberships",
        ]


class OrganisationFilter(django_filters.FilterSet):
    ics = django_filters.CharFilter(field_name="ics__icb_ods_code", label="ICB ODS code of the ICS")
    region = django_filters.CharFilter(field_name="ics__region__ods_code", label="NHS England region code")
    main_care_setting = django_filters.ChoiceFilter(field_name="care_settings__0", choices=CareSetting.choices)
    care_setting = django_filters.ChoiceFilter(
        choices=CareSetting.choices, method="filter_care_setting", label="Any of the organisation's care settings"
    )

    class Meta:
        model = Organisation
        fields = ["kind", "ics", "region", "main_care_setting", "care_setting"]

    def filter_care_setting(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(any_care_setting_q(value))


@extend_schema_view(
    list=extend_schema(
        summary="Organisations",
        description="The organisations the caller may see (their own, their ICS's, or all for national staff), "
        "by ODS code.",
    ),
    retrieve=extend_schema(summary="One organisation, by ODS code"),
)
class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    pagination_class = ApiPagination
    lookup_field = "ods_code"

    def get_queryset(self):
        memberships = ProgrammeMembership.objects.select_related("programme").order_by("programme__key")
        return (
            organisations_visible_to(self.request.user)
            .prefetch_related(Prefetch("programmemembership_set", queryset=memberships))
            .order_by("ods_code")
        )


class SystemSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.ods_code", read_only=True, help_text="NHS England region code.")
    region_name = serializers.CharField(source="region.name", read_only=True)
    short_name = serializers.CharField(read_only=True)
    members = serializers.SerializerMethodField(help_text="ODS codes of its organisations, the ICB's own included.")

    class Meta:
        model = IntegratedCareSystem
        fields = ["icb_ods_code", "ons_code", "name", "short_name", "region", "region_name", "members"]

    def get_members(self, ics: IntegratedCareSystem) -> list[str]:
        return [organisation.ods_code for organisation in ics.organisations.all()]


class SystemFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__ods_code", label="NHS England region code")

    class Meta:
        model = IntegratedCareSystem
        fields = ["region"]


@extend_schema_view(
    list=extend_schema(
        summary="Integrated care systems",
        description="The ICSs the caller may see: their own as an ICS reviewer or board viewer, every one for "
        "national staff. Keyed on the ODS code of the ICS's Integrated Care Board.",
        examples=[
            OpenApiExample(
                "An ICS",
                value={
                    "icb_ods_code": "QMJ",
                    "ons_code": "E54000028",
                    "name": "NHS North Central London Integrated Care Board",
                    "short_name": "North Central London",
                    "region": "Y56",
                    "region_name": "London",
                    "members": ["QMJ", "RAL", "RAP"],
                },
                response_only=True,
            )
        ],
    ),
    retrieve=extend_schema(summary="One integrated care system, by ICB ODS code"),
)
class SystemViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SystemSerializer
    filterset_class = SystemFilter
    pagination_class = ApiPagination
    lookup_field = "icb_ods_code"
    lookup_url_kwarg = "icb_code"

    def get_queryset(self) -> QuerySet[IntegratedCareSystem]:
        members = Organisation.objects.order_by("ods_code").only("ods_code", "ics_id")
        return (
            systems_visible_to(self.request.user)
            .prefetch_related(Prefetch("organisations", queryset=members))
            .order_by("icb_ods_code")
        )
