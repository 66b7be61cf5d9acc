"""A cycle's national files: every version (number, status, change note) with its files, and each
file's download. Who may see them is the publication pages' rule
(PublicationAction.VIEW_PUBLICATIONS: national staff before publication, everyone signed in once
the cycle is published; anyone else a 404, as for a cycle that does not exist).

Published files never change in place (a correction is a new version), so both answers carry an
ETag made of the cycle and its versions, and a client sending it back in If-None-Match gets a
304 without the body. The tag is worked out only after the access check, so a 304 never tells
someone who may not see a cycle that its files exist."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import condition
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.models import Cycle
from organisations.access import may
from reports.access import PublicationAction
from reports.api.figures import CYCLE
from reports.api.files import DOWNLOAD_RENDERERS, file_download
from reports.models import NationalRelease
from reports.publication_views import FILES
from reports.selectors import releases_of

VERSION = OpenApiParameter("release_version", int, OpenApiParameter.PATH, description="The version number: 1, 2...")
KIND = OpenApiParameter(
    "kind", str, OpenApiParameter.PATH, enum=list(FILES), description="Which of the version's files."
)
NO_STORE = "private, no-store"


def _visible_cycle(request: Any, cycle_slug: str) -> Cycle | None:
    cycle = Cycle.objects.filter(name=cycle_slug.replace("-", "/")).first()
    if cycle is None or not may(request.user, PublicationAction.VIEW_PUBLICATIONS, cycle):
        return None
    return cycle


def _cycle_or_404(request: Any, cycle_slug: str) -> Cycle:
    cycle = _visible_cycle(request, cycle_slug)
    if cycle is None:
        raise Http404("No such cycle with national files.")
    return cycle


def _tag(*parts: Any) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _versions_etag(request: Any, cycle_slug: str) -> str | None:
    cycle = _visible_cycle(request, cycle_slug)
    if cycle is None:
        return None  # the view answers 404
    versions = releases_of(cycle).values_list("version", "status", "progress", "finished_at", "change_note")
    return _tag(cycle.slug, cycle.release, *versions)


def _file_etag(request: Any, cycle_slug: str, release_version: int, kind: str) -> str | None:
    cycle = _visible_cycle(request, cycle_slug)
    if cycle is None or not releases_of(cycle).filter(version=release_version, status="ready").exists():
        return None  # the view answers 404
    # A ready version's files are never rewritten: the version names the bytes.
    return _tag(cycle_slug, release_version, kind)


class FileSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(FILES))
    label = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(allow_null=True, help_text="Bytes.")
    url = serializers.URLField(help_text="Its download through the API.")


class ReleaseSerializer(serializers.ModelSerializer):
    files = serializers.SerializerMethodField(help_text="The version's files, once it is ready.")
    data_quality_page = serializers.SerializerMethodField(help_text="The data-quality statement's page, once ready.")

    class Meta:
        model = NationalRelease
        fields = [
            "version",
            "status",
            "progress",
            "step",
            "change_note",
            "requested_at",
            "finished_at",
            "row_count",
            "data_quality",
            "data_quality_page",
            "files",
        ]
        read_only_fields = fields

    def _ready(self, release: NationalRelease) -> bool:
        return release.status == NationalRelease.Status.READY

    @staticmethod
    def _size(stored: Any) -> int | None:
        try:
            return stored.size
        except OSError:
            return None

    def get_files(self, release: NationalRelease) -> list[dict[str, Any]]:
        if not self._ready(release):
            return []
        request = self.context["request"]
        args = {"cycle_slug": release.cycle.slug, "release_version": release.version}
        return [
            {
                "kind": kind,
                "label": label,
                "content_type": content_type,
                "size": self._size(getattr(release, field)),
                "url": request.build_absolute_uri(reverse("api-publication-download", kwargs={**args, "kind": kind})),
            }
            for kind, (field, label, content_type, _suffix) in FILES.items()
            if getattr(release, field)
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_data_quality_page(self, release: NationalRelease) -> str | None:
        if not self._ready(release):
            return None
        page = reverse("publications:data-quality", args=[release.cycle.slug, release.version])
        return self.context["request"].build_absolute_uri(page)


class NationalFilesSerializer(serializers.Serializer):
    cycle = serializers.CharField()
    release = serializers.ChoiceField(choices=Cycle.Release.choices, help_text="Where the cycle's publication is.")
    versions = ReleaseSerializer(many=True, help_text="Newest first.")


class Publication(APIView):
    @extend_schema(
        summary="A cycle's national files",
        description="Every version of the cycle's national release, newest first, with its change note and, once "
        "ready, its files and their downloads. National staff before publication, everyone signed in once "
        "published. Send the ETag back in If-None-Match for a 304 when nothing has changed.",
        parameters=[CYCLE],
        responses={200: NationalFilesSerializer, 304: OpenApiResponse(description="Nothing changed since the ETag.")},
    )
    @method_decorator(condition(etag_func=_versions_etag))
    def get(self, request: Request, cycle_slug: str) -> Response:
        cycle = _cycle_or_404(request, cycle_slug)
        releases = list(releases_of(cycle).select_related("cycle"))
        context = {"request": request}
        body = {"cycle": cycle.name, "release": cycle.release, "versions": releases}
        response = Response(NationalFilesSerializer(body, context=context).data)
        response["Cache-Control"] = NO_STORE
        return response


class PublicationDownload(APIView):
    renderer_classes = DOWNLOAD_RENDERERS

    @extend_schema(
        operation_id="v1_publications_file_retrieve",
        summary="Download a national file",
        description="One file of a ready version, streamed as the publication page's download is. Versions never "
        "change once ready, so the ETag is for ever; If-None-Match with it gives a 304.",
        parameters=[CYCLE, VERSION, KIND],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            304: OpenApiResponse(description="The file the ETag names, unchanged."),
            404: OpenApiResponse(description="No such cycle, version or file for the caller."),
        },
    )
    @method_decorator(condition(etag_func=_file_etag))
    def get(self, request: Request, cycle_slug: str, release_version: int, kind: str):
        cycle = _cycle_or_404(request, cycle_slug)
        if kind not in FILES:
            raise Http404("No such file.")
        release = get_object_or_404(
            NationalRelease, cycle=cycle, version=release_version, status=NationalRelease.Status.READY
        )
        field, _label, content_type, suffix = FILES[kind]
        stored = getattr(release, field)
        if not stored:
            raise Http404("No such file.")
        name = f"wgll-national-{cycle.slug}-v{release.version}{suffix}"
        return file_download(stored, filename=name, content_type=content_type)
