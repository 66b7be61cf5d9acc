"""Evidence rules: uploaded files are checked by their content, not only their name; documents
are opened and looked inside before they are accepted; links must be web links; downloads are
named from their checked content type. Pure: bytes and strings in, verdicts out."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import filetype
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, PdfObject

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

PASSWORD_PROTECTED = "The selected file is password-protected: upload a copy without a password"
NOT_READABLE_PDF = "The selected file is not a readable PDF"
PDF_ACTIVE_CONTENT = (
    "The selected file contains scripts or embedded files: upload a copy without them, "
    "for example by printing it to PDF"
)
OFFICE_MACROS = "The selected file contains macros: save a copy without macros and upload that"
OFFICE_TOO_BIG_UNPACKED = "The selected file is too large when unpacked: upload a smaller copy or a PDF of it"

# An Office file is a zip of XML parts: [Content_Types].xml and the main part of its kind. A file
# without them is not what its name says, whatever its first bytes are.
OFFICE_KINDS = {
    ".docx": ("Word document", "word/document.xml"),
    ".xlsx": ("Excel spreadsheet", "xl/workbook.xml"),
    ".pptx": ("PowerPoint presentation", "ppt/presentation.xml"),
}
# Limits against zip bombs: evidence is unpacked by whoever opens it, so a small upload that
# unpacks to gigabytes, or to tens of thousands of parts, is refused. Real documents unpack to a
# few times their size (pictures are already compressed; XML shrinks about tenfold).
OFFICE_MAX_ENTRIES = 10_000
OFFICE_MAX_RATIO = 100
OFFICE_MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
# Parts that hold code which Office may run: VBA macros (a .docm renamed .docx still runs them)
# and ActiveX controls.
MACRO_PART_NAMES = {"vbaproject.bin", "vbaprojectsignature.bin", "vbadata.xml"}
MACRO_FOLDERS = {"activex"}
# A password-protected Office file is not a zip: Office wraps the encrypted package in an OLE
# compound file, whose directory names the stream "EncryptedPackage" (in UTF-16).
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

# PDF actions that run something in the reader's viewer: JavaScript, or launching a program.
ACTIVE_PDF_ACTIONS = {"/JavaScript", "/Launch"}


@dataclass(frozen=True)
class UploadVerdict:
    content_type: str | None
    error: str | None


def size_in_words(size: int) -> str:
    """'20MB', '512KB': a size limit as the service manual writes it."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g}MB"
    return f"{max(1, size // 1024)}KB"


def check_upload(name: str, content: bytes, size: int, max_bytes: int) -> UploadVerdict:
    """`content` is the whole file (evidence is at most `max_bytes`, so it fits in memory): a
    document is opened and looked inside, not only recognised by its first bytes, because a
    `%PDF` header followed by anything at all is not a PDF a board member can read."""
    if size == 0:
        return UploadVerdict(None, "The selected file is empty")
    if size > max_bytes:
        return UploadVerdict(None, f"The selected file must be smaller than {size_in_words(max_bytes)}")
    suffix = PurePath(name).suffix.lower()
    expected = ALLOWED.get(suffix)
    if expected is None:
        return UploadVerdict(None, f"The selected file must be a {ALLOWED_DESCRIPTION} file")
    head = content[:8192]
    if expected in TEXT_TYPES:
        if b"\x00" in head or filetype.guess(head) is not None or not _is_utf8_prefix(head):
            return UploadVerdict(None, f"The selected file is not a {suffix[1:].upper()} text file")
        return UploadVerdict(expected, None)
    if suffix in OFFICE_KINDS and content.startswith(OLE_SIGNATURE) and OLE_ENCRYPTED_PACKAGE in content:
        return UploadVerdict(None, PASSWORD_PROTECTED)
    detected = filetype.guess(head)
    if detected is None or detected.mime != expected:
        return UploadVerdict(None, f"The selected file's content is not a {suffix[1:].upper()} file")
    if suffix == ".pdf":
        problem = pdf_problem(content)
    elif suffix in OFFICE_KINDS:
        problem = office_problem(content, suffix)
    else:
        problem = None
    return UploadVerdict(None, problem) if problem else UploadVerdict(expected, None)


def pdf_problem(content: bytes) -> str | None:
    """Why a PDF cannot be accepted, or None. It must open, list its pages and not be encrypted
    (an encrypted file cannot be looked inside, and a board member may not be able to open it);
    and it must not carry scripts, launch actions or attached files, which run or drop things on
    the reader's computer and have no place in a board paper."""
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            return PASSWORD_PROTECTED
        catalog = reader.trailer["/Root"].get_object()
        pages = list(reader.pages)
        if not isinstance(catalog, DictionaryObject) or not pages:
            return NOT_READABLE_PDF
        active = _pdf_catalog_is_active(catalog) or any(_pdf_page_is_active(page) for page in pages)
    # A damaged file can fail anywhere in the parser, with any exception; all of them mean the
    # same thing to the person uploading it.
    except Exception:  # noqa: BLE001
        return NOT_READABLE_PDF
    return PDF_ACTIVE_CONTENT if active else None


def _pdf_catalog_is_active(catalog: DictionaryObject) -> bool:
    names = catalog.get("/Names")
    names = names.get_object() if names is not None else None
    if isinstance(names, DictionaryObject) and ("/JavaScript" in names or "/EmbeddedFiles" in names):
        return True
    # An /OpenAction that is a destination (open at page 1) is harmless; one that is an action is not.
    if _pdf_action_is_active(catalog.get("/OpenAction")):
        return True
    return _pdf_additional_actions_are_active(catalog.get("/AA"))


def _pdf_page_is_active(page: DictionaryObject) -> bool:
    if _pdf_additional_actions_are_active(page.get("/AA")):
        return True
    annotations = page.get("/Annots")
    annotations = annotations.get_object() if annotations is not None else None
    for annotation in annotations if isinstance(annotations, ArrayObject) else []:
        annotation = annotation.get_object()
        if not isinstance(annotation, DictionaryObject):
            continue
        if annotation.get("/Subtype") == "/FileAttachment" or _pdf_action_is_active(annotation.get("/A")):
            return True
        if _pdf_additional_actions_are_active(annotation.get("/AA")):
            return True
    return False


def _pdf_additional_actions_are_active(additional: PdfObject | None) -> bool:
    additional = additional.get_object() if additional is not None else None
    if not isinstance(additional, DictionaryObject):
        return False
    return any(_pdf_action_is_active(action) for action in additional.values())


def _pdf_action_is_active(action: PdfObject | None, depth: int = 0) -> bool:
    """An action runs something when it, or any action chained after it (/Next), is JavaScript
    or a launch."""
    action = action.get_object() if action is not None else None
    if depth > 32:
        return True  # a chain this long is made to hide something
    if isinstance(action, ArrayObject):
        return any(_pdf_action_is_active(item, depth + 1) for item in action)
    if not isinstance(action, DictionaryObject):
        return False
    if action.get("/S") in ACTIVE_PDF_ACTIONS or "/JS" in action:
        return True
    return _pdf_action_is_active(action.get("/Next"), depth + 1)


def office_problem(content: bytes, suffix: str) -> str | None:
    """Why a Word, Excel or PowerPoint file cannot be accepted, or None. It must be a zip that
    holds [Content_Types].xml and the main part of its kind; it must not hold macros, encrypted
    parts, or more than a reasonable number of parts or unpacked bytes."""
    kind, main_part = OFFICE_KINDS[suffix]
    not_readable = f"The selected file is not a readable {kind}"
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        return not_readable
    if len(entries) > OFFICE_MAX_ENTRIES:
        return f"The selected file has too many parts: upload a PDF of the {kind} instead"
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > OFFICE_MAX_UNPACKED_BYTES or unpacked > OFFICE_MAX_RATIO * len(content):
        return OFFICE_TOO_BIG_UNPACKED
    if any(entry.flag_bits & 0x1 for entry in entries):
        return PASSWORD_PROTECTED
    names = {entry.filename for entry in entries}
    for part in names:
        path = PurePath(part.lower())
        if path.name in MACRO_PART_NAMES or MACRO_FOLDERS & set(path.parts[:-1]):
            return OFFICE_MACROS
    if "[Content_Types].xml" not in names or main_part not in names:
        return not_readable
    return None


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


# Fingerprints: the same evidence seen twice, whatever it is called.

# Query parameters that say where a reader came from, not which page it is.
TRACKING_PARAMETERS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")


def content_digest(content: bytes) -> str:
    """SHA-256 of a file's bytes: the same file under any name or title."""
    return hashlib.sha256(content).hexdigest()


def normalised_link(url: str) -> str:
    """A web link as the page it names: scheme and host in lower case, no "www.", no default
    port, no fragment, no trailing slash, no tracking parameters, the other parameters sorted."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith(TRACKING_PARAMETERS)
    )
    return urlunsplit(("https", host, parts.path.rstrip("/"), urlencode(query), ""))


def link_digest(url: str) -> str:
    """SHA-256 of the normalised link: http and https, "www." or not, are the same page."""
    return hashlib.sha256(normalised_link(url).encode()).hexdigest()
