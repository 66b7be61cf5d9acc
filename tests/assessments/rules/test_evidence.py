"""The evidence file checks, on plain bytes (no database): documents are opened and looked
inside, not only recognised by their first bytes."""

import io
import random
import zipfile

import openpyxl
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from assessments.rules import evidence
from assessments.rules.evidence import check_upload
from tests.factories import minimal_pdf_bytes, office_bytes

MAX = 20 * 1024 * 1024
WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NOT_A_PDF = "The selected file is not a readable PDF"
PASSWORD = "The selected file is password-protected: upload a copy without a password"
SCRIPTS = "The selected file contains scripts or embedded files: upload a copy without them"
MACROS = "The selected file contains macros: save a copy without macros and upload that"
DOCX_PARTS = ("[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/_rels/document.xml.rels")


def check(name: str, content: bytes):
    return check_upload(name, content, len(content), MAX)


def refused(name: str, content: bytes) -> str:
    verdict = check(name, content)
    assert verdict.content_type is None and verdict.error
    return verdict.error


def pdf_with(change) -> bytes:
    """A real one-page PDF, changed by `change(writer)` before it is written."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def action(kind: str, **entries) -> DictionaryObject:
    return DictionaryObject(
        {NameObject("/S"): NameObject(kind), **{NameObject(f"/{k}"): v for k, v in entries.items()}}
    )


def set_on_catalog(key: str, value):
    return lambda writer: writer.root_object.__setitem__(NameObject(key), value)


def set_on_first_page(key: str, value):
    return lambda writer: writer.pages[0].__setitem__(NameObject(key), value)


def script() -> DictionaryObject:
    return action("/JavaScript", JS=TextStringObject("app.alert(1)"))


LINK_LAUNCHING = DictionaryObject({NameObject("/Subtype"): NameObject("/Link"), NameObject("/A"): action("/Launch")})


# PDFs.


def test_a_real_pdf_is_accepted():
    content = minimal_pdf_bytes()
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    assert check("Board paper.pdf", content) == evidence.UploadVerdict("application/pdf", None)


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n" + random.Random(1).randbytes(4096),
        b"%PDF-1.4\n%%EOF\n",
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
        minimal_pdf_bytes()[:200],
    ],
    ids=["random-bytes", "header-only", "empty-trailer", "catalog-without-pages", "cut-short"],
)
def test_a_pdf_header_followed_by_anything_else_is_not_a_pdf(content):
    assert refused("paper.pdf", content) == NOT_A_PDF


def test_a_password_protected_pdf_is_refused():
    content = minimal_pdf_bytes(encrypt_with="board-secret")
    assert PdfReader(io.BytesIO(content)).is_encrypted
    assert refused("paper.pdf", content) == PASSWORD


@pytest.mark.parametrize(
    "change",
    [
        lambda writer: writer.add_open_action(JavaScript("app.alert('hello');")),
        set_on_catalog("/OpenAction", script()),
        set_on_catalog("/OpenAction", action("/Launch", F=TextStringObject("calc.exe"))),
        set_on_catalog("/OpenAction", action("/GoTo", D=ArrayObject([NumberObject(0)]), Next=script())),
        set_on_catalog("/AA", DictionaryObject({NameObject("/WC"): script()})),
        lambda writer: writer.add_attachment("payload.exe", b"MZ\x90\x00"),
        set_on_first_page("/AA", DictionaryObject({NameObject("/O"): script()})),
        set_on_first_page("/Annots", ArrayObject([LINK_LAUNCHING])),
    ],
    ids=[
        "document-javascript", "open-action-javascript", "open-action-launch", "chained-javascript",
        "document-actions", "embedded-file", "page-action", "link-launching-a-program",
    ],
)  # fmt: skip
def test_a_pdf_with_scripts_or_embedded_files_is_refused(change):
    assert refused("paper.pdf", pdf_with(change)).startswith(SCRIPTS)


def test_a_pdf_that_opens_at_a_page_is_not_active_content():
    """Word and most PDF printers write an /OpenAction that is a destination; that is harmless."""

    def open_at_first_page(writer):
        writer.root_object[NameObject("/OpenAction")] = ArrayObject(
            [writer.pages[0].indirect_reference, NameObject("/Fit")]
        )

    assert check("paper.pdf", pdf_with(open_at_first_page)).error is None


# Office files.


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("strategy.docx", DOCX_PARTS),
        ("figures.xlsx", ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml")),
        ("slides.pptx", ("[Content_Types].xml", "_rels/.rels", "ppt/presentation.xml", "ppt/slides/slide1.xml")),
    ],
)
def test_office_files_with_their_parts_are_accepted(name, parts):
    assert check(name, office_bytes(*parts)).error is None


def test_a_spreadsheet_written_by_openpyxl_is_accepted():
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Digital maturity"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert check("figures.xlsx", buffer.getvalue()).content_type == evidence.ALLOWED[".xlsx"]


def test_a_zip_renamed_docx_without_the_word_parts_is_refused():
    # Its first part is under word/, so its first bytes look like a Word document.
    assert (
        refused("strategy.docx", office_bytes("word/notes.txt")) == "The selected file is not a readable Word document"
    )
    assert refused("strategy.docx", office_bytes("[Content_Types].xml", "word/styles.xml")).startswith(
        "The selected file is not a readable Word document"
    )
    assert refused("strategy.docx", office_bytes("notes.txt")) == "The selected file's content is not a DOCX file"


def test_a_spreadsheet_is_checked_for_its_own_main_part():
    content = office_bytes("[Content_Types].xml", "_rels/.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml")
    assert refused("figures.xlsx", content) == "The selected file is not a readable Excel spreadsheet"


@pytest.mark.parametrize("macro_part", ["word/vbaProject.bin", "word/vbaData.xml", "word/activeX/activeX1.xml"])
def test_a_word_file_with_macros_is_refused(macro_part):
    assert check("strategy.docx", office_bytes(*DOCX_PARTS)).content_type == WORD
    assert refused("strategy.docx", office_bytes(*DOCX_PARTS, macro_part)) == MACROS


def test_an_office_file_with_encrypted_parts_is_refused():
    content = office_bytes(*DOCX_PARTS)
    # Mark every part encrypted (bit 0 of the general purpose flags), in its local and central headers.
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = content.find(signature)
        while start != -1:
            content = (
                content[: start + flags_at] + bytes([content[start + flags_at] | 0x1]) + content[start + flags_at + 1 :]
            )
            start = content.find(signature, start + 4)
    assert all(info.flag_bits & 0x1 for info in zipfile.ZipFile(io.BytesIO(content)).infolist())
    assert refused("strategy.docx", content) == PASSWORD


def test_a_password_protected_office_file_is_refused_as_such():
    """Office keeps a password-protected document in an OLE compound file, not a zip."""
    ole = evidence.OLE_SIGNATURE + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512
    assert refused("strategy.docx", ole) == PASSWORD
    assert refused("strategy.docx", evidence.OLE_SIGNATURE + b"\x00" * 1024).startswith("The selected file's content")


def test_a_zip_bomb_named_docx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in DOCX_PARTS:
            archive.writestr(part, "<x/>")
        archive.writestr("word/media/padding.xml", b"\x00" * (8 * 1024 * 1024))  # about 1000 times smaller packed
    assert refused("strategy.docx", buffer.getvalue()) == evidence.OFFICE_TOO_BIG_UNPACKED


def test_an_office_file_of_too_many_parts_is_refused(monkeypatch):
    monkeypatch.setattr(evidence, "OFFICE_MAX_ENTRIES", len(DOCX_PARTS))
    assert check("strategy.docx", office_bytes(*DOCX_PARTS)).error is None
    content = office_bytes(*DOCX_PARTS, "word/media/image1.png")
    assert refused("strategy.docx", content).startswith("The selected file has too many parts")


# Every other kind keeps its checks.


def test_images_and_text_are_still_recognised_by_their_content():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert check("chart.png", png).content_type == "image/png"
    assert refused("chart.pdf", png) == "The selected file's content is not a PDF file"
    assert check("notes.txt", "Board minutes – approved".encode()).content_type == "text/plain"
    assert refused("notes.txt", b"\x00\x01binary") == "The selected file is not a TXT text file"


@pytest.mark.parametrize(
    "url",
    [
        "https://trust.nhs.uk/board/papers?b=2&a=1",
        "http://www.trust.nhs.uk/board/papers/?a=1&b=2",
        "https://trust.nhs.uk:443/board/papers?a=1&b=2&utm_campaign=x&fbclid=y#minutes",
    ],
)
def test_links_to_the_same_page_normalise_alike(url):
    from assessments.rules.evidence import link_digest, normalised_link

    assert normalised_link(url) == "https://trust.nhs.uk/board/papers?a=1&b=2"
    assert link_digest(url) == link_digest("https://trust.nhs.uk/board/papers?a=1&b=2")


def test_different_pages_and_ports_do_not_normalise_alike():
    from assessments.rules.evidence import normalised_link

    assert normalised_link("https://trust.nhs.uk/a") != normalised_link("https://trust.nhs.uk/b")
    assert normalised_link("https://trust.nhs.uk:8443/a") == "https://trust.nhs.uk:8443/a"
