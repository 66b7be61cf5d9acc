"""Downloads through the API: the stored file, streamed, with the same headers as the pages'
downloads (assessments.views.private_download: no shared cache keeps a copy, no type sniffing).

DRF negotiates a renderer before the view runs and refuses (406) an Accept header none of its
renderers offers, such as a client asking for text/csv or application/pdf; the file renderer
below accepts any type, so a download is never refused for asking for what it is. Its only
other output is a refusal (a 404, a 403), which it writes as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.files import File
from django.http import FileResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer

from assessments.views import private_download


class AnyFileRenderer(BaseRenderer):
    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode("utf-8")


DOWNLOAD_RENDERERS = [JSONRenderer, AnyFileRenderer]


def file_download(stored: File, *, filename: str, content_type: str) -> FileResponse:
    return private_download(
        FileResponse(stored.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    )
