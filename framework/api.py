"""Read-only API of the published framework versions: measures -> domains -> levels -> criteria,
keyed on their stable keys (the same for every signed-in user)."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from framework.models import Criterion, Domain, FrameworkVersion, Level, Measure
from framework.selectors import framework_versions


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["key", "text", "replaces"]


class LevelSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Level
        fields = ["number", "name", "criteria"]


class DomainSerializer(serializers.ModelSerializer):
    measure = serializers.CharField(source="measure.key", read_only=True)
    levels = LevelSerializer(many=True, read_only=True)

    class Meta:
        model = Domain
        fields = [
            "key",
            "name",
            "measure",
            "care_settings",
            "system_assessment",
            "replaces",
            "what_good_looks_like",
            "evidence_expected",
            "levels",
        ]


class MeasureDomainSerializer(DomainSerializer):
    class Meta(DomainSerializer.Meta):
        fields = [field for field in DomainSerializer.Meta.fields if field != "measure"]


class MeasureSerializer(serializers.ModelSerializer):
    domains = MeasureDomainSerializer(many=True, read_only=True)

    class Meta:
        model = Measure
        fields = ["key", "name", "summary", "domains"]


class FrameworkVersionSerializer(serializers.ModelSerializer):
    supersedes = serializers.CharField(source="supersedes.version", read_only=True, default=None, allow_null=True)
    measures = MeasureSerializer(many=True, read_only=True, help_text="The success measures, in framework order.")
    domains = DomainSerializer(
        many=True, read_only=True, help_text="Every domain in framework order, each naming its measure's key."
    )

    class Meta:
        model = FrameworkVersion
        fields = ["version", "title", "published_on", "supersedes", "measures", "domains"]


def _levels() -> Prefetch:
    return Prefetch(
        "levels",
        queryset=Level.objects.order_by("number").prefetch_related(
            Prefetch("criteria", queryset=Criterion.objects.order_by("position"))
        ),
    )


VERSION = OpenApiParameter(
    "version", str, OpenApiParameter.PATH, description="The framework version with a hyphen, e.g. 2025-26."
)


@extend_schema_view(
    list=extend_schema(summary="Framework versions", description="Every loaded framework version, newest first."),
    retrieve=extend_schema(
        summary="One framework version",
        description="Its measures, their domains, each domain's levels 1-5 and their criteria, keyed on their "
        "stable keys (which carry meaning across versions).",
        parameters=[VERSION],
    ),
)
class FrameworkVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """The published questionnaires, the same for every signed-in user."""

    serializer_class = FrameworkVersionSerializer
    pagination_class = None
    lookup_url_kwarg = "version"
    lookup_value_regex = r"\d{4}-\d{2}"

    def get_queryset(self):
        domains = Domain.objects.select_related("measure").order_by("measure__position", "position")
        return (
            framework_versions()
            .order_by("-version")
            .prefetch_related(
                Prefetch("domains", queryset=domains.prefetch_related(_levels())),
                Prefetch(
                    "measures",
                    queryset=Measure.objects.order_by("position").prefetch_related(
                        Prefetch("domains", queryset=Domain.objects.order_by("position").prefetch_related(_levels()))
                    ),
                ),
            )
        )

    def get_object(self):
        # Versions travel in URLs as 2025-26: a slash cannot sit in a path segment.
        version = self.kwargs[self.lookup_url_kwarg].replace("-", "/")
        return get_object_or_404(self.get_queryset(), version=version)
