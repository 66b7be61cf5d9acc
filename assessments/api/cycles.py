"""Assessment cycles: not an organisation's data, so every signed-in user may read them
(selectors.cycles), with where their publication has got to."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from assessments import selectors
from assessments.api.common import CYCLE
from assessments.models import Cycle
from organisations.api import ApiPagination


class CyclePublicationSerializer(serializers.ModelSerializer):
    release = serializers.ChoiceField(
        choices=Cycle.Release.choices,
        help_text="unpublished; provisional (organisations review their results); final (published).",
    )

    class Meta:
        model = Cycle
        fields = [
            "release",
            "review_opens_on",
            "review_closes_on",
            "publication_at",
            "publication_announced_at",
            "published_at",
        ]
        read_only_fields = fields


class CycleSerializer(serializers.ModelSerializer):
    slug = serializers.CharField(read_only=True, help_text="The name as it goes in addresses, e.g. 2025-26.")
    framework = serializers.CharField(source="framework.version", read_only=True, help_text="e.g. 2025/26.")
    publication = CyclePublicationSerializer(source="*", read_only=True)

    class Meta:
        model = Cycle
        fields = ["name", "slug", "framework", "opens_on", "closes_on", "opened_at", "publication"]
        read_only_fields = fields


EXAMPLE = OpenApiExample(
    "A cycle in its provisional review window",
    value={
        "name": "2025/26",
        "slug": "2025-26",
        "framework": "2025/26",
        "opens_on": "2025-04-01",
        "closes_on": "2025-06-30",
        "opened_at": "2025-04-01T08:00:00Z",
        "publication": {
            "release": "provisional",
            "review_opens_on": "2025-09-01",
            "review_closes_on": "2025-09-14",
            "publication_at": "2025-10-02T09:30:00Z",
            "publication_announced_at": "2025-08-20T10:00:00Z",
            "published_at": None,
        },
    },
    response_only=True,
)


@extend_schema_view(
    list=extend_schema(summary="Assessment cycles", description="Every cycle, newest first.", examples=[EXAMPLE]),
    retrieve=extend_schema(summary="One assessment cycle, by slug", parameters=[CYCLE], examples=[EXAMPLE]),
)
class CycleViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CycleSerializer
    pagination_class = ApiPagination
    lookup_url_kwarg = "cycle_slug"
    lookup_value_regex = r"\d{4}-\d{2}"

    def get_queryset(self):
        return selectors.cycles()  # newest first: the name is unique, so the order is total

    def get_object(self) -> Cycle:
        # Cycle names travel in addresses as 2025-26: a slash cannot sit in a path segment.
        return get_object_or_404(self.get_queryset(), name=self.kwargs["cycle_slug"].replace("-", "/"))
