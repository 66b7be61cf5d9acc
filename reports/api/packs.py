"""An ICS's board packs for a cycle: the versions of the audiences the caller may see, a new one
asked for (POST), and a ready one's PDF. As the pack pages: the ICS through the scoped selector
(another ICS is a 404), the cycle among those with results, the versions through the audiences
the caller may see (reports.access.pack_audiences_for: the reviewers' pack only for independent
reviewers), and the one service the page calls (reports.packs.pack_request), whose refusals are
a 409 saying why."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.api.common import ErrorSerializer
from assessments.models import Cycle
from organisations.api import Conflict
from organisations.models import IntegratedCareSystem
from organisations.selectors import systems_visible_to
from reports import dashboards, packs
from reports.access import pack_audiences_for
from reports.api.figures import CYCLE, ICB
from reports.api.files import DOWNLOAD_RENDERERS, file_download
from reports.models import SystemPack
from reports.pack_data import packs_of

PACK = OpenApiParameter("pack_id", int, OpenApiParameter.PATH, description="The pack version's number.")


class PackSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="pk", read_only=True, help_text="The version's number.")
    requested_by = serializers.SerializerMethodField(help_text="E-mail address; null for a regeneration.")
    download = serializers.SerializerMethodField(help_text="The PDF, once ready.")

    class Meta:
        model = SystemPack
        fields = [
            "id",
            "audience",
            "status",
            "progress",
            "pages",
            "requested_by",
            "requested_at",
            "started_at",
            "finished_at",
            "figures_computed_at",
            "error",
            "download",
        ]
        read_only_fields = fields

    def get_requested_by(self, pack: SystemPack) -> str | None:
        return pack.requested_by.email if pack.requested_by_id else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_download(self, pack: SystemPack) -> str | None:
        if pack.status != SystemPack.Status.READY or not pack.file:
            return None
        args = {**self.context["args"], "pack_id": pack.pk}
        return self.context["request"].build_absolute_uri(reverse("api-pack-download", kwargs=args))


class PackRequestSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(choices=SystemPack.Audience.choices, default=SystemPack.Audience.BOARD)


def _found(request: Request, icb_code: str, cycle_slug: str) -> tuple[IntegratedCareSystem, Cycle]:
    system = get_object_or_404(systems_visible_to(request.user), icb_ods_code=icb_code)
    cycle = get_object_or_404(dashboards.cycles_with_results(), name=cycle_slug.replace("-", "/"))
    return system, cycle


def _context(request: Request, system: IntegratedCareSystem, cycle: Cycle) -> dict[str, Any]:
    return {"request": request, "args": {"icb_code": system.icb_ods_code, "cycle_slug": cycle.slug}}


def _versions(request: Request, system: IntegratedCareSystem, cycle: Cycle):
    return packs_of(system, cycle, pack_audiences_for(request.user, system)).order_by("-requested_at", "-pk")


class Packs(APIView):
    @extend_schema(
        summary="An ICS's board packs for a cycle",
        description="Every version of the audiences the caller may see, newest first.",
        parameters=[ICB, CYCLE],
        responses=PackSerializer(many=True),
    )
    def get(self, request: Request, icb_code: str, cycle_slug: str) -> Response:
        system, cycle = _found(request, icb_code, cycle_slug)
        versions = _versions(request, system, cycle)
        return Response(PackSerializer(versions, many=True, context=_context(request, system, cycle)).data)

    @extend_schema(
        summary="Ask for a new board pack",
        description="Queues a new version for the audience (202): the board's pack for whoever may see the ICS, "
        "the reviewers' pack for its independent reviewers only (otherwise 403). Refused with a 409 saying why "
        "when one is on its way, the newest already shows the current figures, or too many were asked for.",
        parameters=[ICB, CYCLE],
        request=PackRequestSerializer,
        responses={
            202: PackSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Not this audience's pack."),
            404: OpenApiResponse(ErrorSerializer, description="No such ICS or cycle with results for the caller."),
            409: OpenApiResponse(ErrorSerializer, description="Why no new version was queued."),
        },
    )
    def post(self, request: Request, icb_code: str, cycle_slug: str) -> Response:
        system, cycle = _found(request, icb_code, cycle_slug)
        body = PackRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        audience = body.validated_data["audience"]
        if audience not in pack_audiences_for(request.user, system):
            raise PermissionDenied("You cannot ask for this pack.")
        try:
            pack = packs.pack_request(ics=system, cycle=cycle, actor=request.user, audience=audience)
        except ValidationError as error:
            raise Conflict(" ".join(error.messages)) from error
        context = _context(request, system, cycle)
        location = reverse("api-pack", kwargs={**context["args"], "pack_id": pack.pk})
        return Response(
            PackSerializer(pack, context=context).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location}
        )


class PackDetail(APIView):
    @extend_schema(summary="One board pack version", parameters=[ICB, CYCLE, PACK], responses=PackSerializer)
    def get(self, request: Request, icb_code: str, cycle_slug: str, pack_id: int) -> Response:
        system, cycle = _found(request, icb_code, cycle_slug)
        pack = get_object_or_404(_versions(request, system, cycle), pk=pack_id)
        return Response(PackSerializer(pack, context=_context(request, system, cycle)).data)


class PackDownload(APIView):
    renderer_classes = DOWNLOAD_RENDERERS

    @extend_schema(
        summary="Download a board pack",
        description="The PDF of a ready version (404 until it is ready).",
        parameters=[ICB, CYCLE, PACK],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: OpenApiResponse(description="Not ready.")},
    )
    def get(self, request: Request, icb_code: str, cycle_slug: str, pack_id: int):
        system, cycle = _found(request, icb_code, cycle_slug)
        pack = get_object_or_404(_versions(request, system, cycle), pk=pack_id, status=SystemPack.Status.READY)
        if not pack.file:
            raise Http404("No file.")
        audience = "reviewers-" if pack.audience == SystemPack.Audience.REVIEWERS else ""
        name = f"ics-board-pack-{audience}{system.icb_ods_code.lower()}-{cycle.slug}-{pack.pk}.pdf"
        return file_download(pack.file, filename=name, content_type="application/pdf")
