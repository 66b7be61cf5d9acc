"""Evidence rules: uploaded files are checked by their content, not only their name; links must be
web links; downloads are named from their checked content type. Pure: bytes and strings in,
verdicts out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

import filetype

# What a board paper's evidence usually is. Executables, archives, HTML and SVG (which can carry
# scripts) are refused whatever they are called.
ALLOWED = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".csv": "text/csv",
    ".txt": "text/plain",
}
TEXT_TYPES = {"text/csv", "text/plain"}
ALLOWED_DESCRIPTION = "PDF, Word, Excel, PowerPoint, PNG, JPEG, CSV or plain text"


@dataclass(frozen=True)
class UploadVerdict:
    content_type: str | None
    error: str | None


def check_upload(name: str, head: bytes, size: int, max_bytes: int) -> UploadVerdict:
    """`head` is the first few KiB of the file; enough for every signature we accept."""
    if size == 0:
        return UploadVerdict(None, "The selected file is empty")
    if size > max_bytes:
        return UploadVerdict(None, f"The selected file must be smaller than {max_bytes // (1024 * 1024)}MB")
    suffix = PurePath(name).suffix.lower()
    expected = ALLOWED.get(suffix)
    if expected is None:
        return UploadVerdict(None, f"The selected file must be a {ALLOWED_DESCRIPTION} file")
    if expected in TEXT_TYPES:
        if b"\x00" in head or filetype.guess(head) is not None or not _is_utf8_prefix(head):
            return UploadVerdict(None, f"The selected file is not a {suffix[1:].upper()} text file")
        return UploadVerdict(expected, None)
    detected = filetype.guess(head)
    if detected is None or detected.mime != expected:
        return UploadVerdict(None, f"The selected file's content is not a {suffix[1:].upper()} file")
    return UploadVerdict(expected, None)


def _is_utf8_prefix(head: bytes) -> bool:
    """True when the bytes decode as UTF-8, allowing a character cut at the end of the sample."""
    for cut in range(4):
        try:
            head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False


WEB_LINK_SCHEMES = ("http", "https")
NOT_A_WEB_LINK = "Enter a web address starting with https:// or http://"


def is_web_link(url: str) -> bool:
    """Only web addresses may be evidence: a javascript:, data: or file: link in a board's
    evidence could run or read things in the reader's browser, and is never legitimate."""
    return url.strip().lower().startswith(tuple(f"{scheme}://" for scheme in WEB_LINK_SCHEMES))


# The content type decides the extension, so a download can never be named to run as something else.
EXTENSION_FOR_TYPE = {content_type: suffix for suffix, content_type in reversed(list(ALLOWED.items()))}


def download_name(title: str, content_type: str) -> str:
    """A safe file name for a download: the title's letters, the extension of the checked type."""
    suffix = EXTENSION_FOR_TYPE.get(content_type, ".bin")
    stem = title
    if PurePath(title).suffix.lower() in ALLOWED:
        stem = title[: -len(PurePath(title).suffix)]
    stem = re.sub(r"[^A-Za-z0-9 ._()-]+", "", stem)
    stem = re.sub(r"\s+", " ", stem).strip(" .-")[:100]
    return f"{stem or 'evidence'}{suffix}"
