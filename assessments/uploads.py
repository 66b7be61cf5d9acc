"""Refusing an upload that is too large while it is being received, not after.

Django's own handlers read the whole request body before a form can say the file is too big, so
a 200 MB upload was received in full (and spooled to disk) before the 20 MB limit refused it.
This handler runs first and stops reading the body the moment a file grows past the limit, so at
most the limit is ever received. The fields before the file (the CSRF token first) are parsed as
usual, so the view can still answer with a page saying why (`upload_too_large`)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


def upload_too_large(request) -> bool:
    return getattr(request, "upload_too_large", False)


class UploadLimitHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.EVIDENCE_MAX_BYTES:
            self._refuse()
        return raw_data  # the next handler (memory or temporary file) keeps it

    def file_complete(self, file_size):
        return None

    def _refuse(self):
        self.request.upload_too_large = True
        # connection_reset: stop reading the body at once rather than receive the rest to discard it.
        raise StopUpload(connection_reset=True)
