"""Read-only API for organisations, scoped by the same selector as the pages."""

import django_filters
from rest_framework import serializers, viewsets

from organisations.models import CareSetting, Organisation
from organisations.selectors import organisations_visible_to


class OrganisationSerializer(serializers.ModelSerializer):
    ics = serializers.CharField(source="ics.icb_ods_code", read_only=True)
    region = serializers.CharField(source="ics.region.ods_code", read_only=True)
    main_care_setting = serializers.CharField(read_only=True, allow_null=True, help_text="None for an ICB.")
    programmes = serializers.SlugRelatedField(many=True, read_only=True, slug_field="key")

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
        ]


class OrganisationFilter(django_filters.FilterSet):
    ics = django_filters.CharFilter(field_name="ics__icb_ods_code", label="ICB ODS code of the ICS")
    region = django_filters.CharFilter(field_name="ics__region__ods_code", label="NHS England region code")
    main_care_setting = django_filters.ChoiceFilter(field_name="care_settings__0", choices=CareSetting.choices)

    class Meta:
        model = Organisation
        fields = ["kind", "ics", "region", "main_care_setting"]


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    lookup_field = "ods_code"

    def get_queryset(self):
        return organisations_visible_to(self.request.user).order_by("ods_code")
