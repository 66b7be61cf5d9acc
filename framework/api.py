from django.shortcuts import get_object_or_404
from rest_framework import serializers, viewsets

from framework.models import Criterion, Domain, FrameworkVersion, Level
from framework.selectors import framework_versions


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["key", "text"]


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


class FrameworkVersionSerializer(serializers.ModelSerializer):
    supersedes = serializers.CharField(source="supersedes.version", read_only=True, default=None, allow_null=True)
    domains = DomainSerializer(many=True, read_only=True)

    class Meta:
        model = FrameworkVersion
        fields = ["version", "title", "published_on", "supersedes", "domains"]


class FrameworkVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """The published questionnaires, the same for every signed-in user."""

    serializer_class = FrameworkVersionSerializer
    pagination_class = None
    lookup_url_kwarg = "version"
    lookup_value_regex = r"\d{4}-\d{2}"

    def get_queryset(self):
        return framework_versions().prefetch_related("domains__measure", "domains__levels__criteria")

    def get_object(self):
        # Versions travel in URLs as 2025-26: a slash cannot sit in a path segment.
        version = self.kwargs[self.lookup_url_kwarg].replace("-", "/")
        return get_object_or_404(self.get_queryset(), version=version)
