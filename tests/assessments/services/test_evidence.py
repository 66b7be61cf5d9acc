"""Adding evidence files: the service opens the whole upload before storing anything."""

import io
import random

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.actions import JavaScript

from assessments.models import AuditEvent, Evidence
from assessments.services.evidence import evidence_add_file
from tests.factories import minimal_pdf_bytes, office_bytes

pytestmark = pytest.mark.django_db

DOCX_PARTS = ("[Content_Types].xml", "_rels/.rels", "word/document.xml")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def add(assessment, team, name, content):
    strategy = assessment.responses.get(domain__key="strategy")
    return evidence_add_file(
        response_id=strategy.pk, upload=SimpleUploadedFile(name, content), title="", actor=team["lead"]
    )


def stored_files(media):
    return [path.read_bytes() for path in media.rglob("*") if path.is_file()] if media.exists() else []


def long_pdf(pages: int = 200) -> bytes:
    """A real PDF whose cross-reference table and trailer lie well past its first 8 KiB."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_long_pdf_is_opened_whole_and_stored_as_uploaded(assessment, team, media):
    content = long_pdf()
    assert len(content) > 2 * 8192
    evidence = add(assessment, team, "Board pack.pdf", content)
    assert evidence.content_type == "application/pdf" and evidence.size == len(content)
    assert stored_files(media) == [content]  # the upload was read to its end and rewound before saving


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("paper.pdf", b"%PDF-1.7\n" + random.Random(2).randbytes(8192), "The selected file is not a readable PDF"),
        ("pack.pdf", long_pdf()[:-2048], "The selected file is not a readable PDF"),  # cut short in the upload
        ("paper.pdf", minimal_pdf_bytes(encrypt_with="board"), "The selected file is password-protected"),
        ("strategy.docx", office_bytes("word/notes.txt"), "The selected file is not a readable Word document"),
        ("strategy.docx", office_bytes(*DOCX_PARTS, "word/vbaProject.bin"), "The selected file contains macros"),
    ],
    ids=["random-bytes", "cut-short", "encrypted", "zip-without-word-parts", "macros"],
)
def test_unreadable_protected_or_active_documents_are_refused_and_nothing_is_stored(
    assessment, team, media, name, content, message
):
    with pytest.raises(ValidationError) as error:
        add(assessment, team, name, content)
    assert error.value.message_dict["evidence_file"][0].startswith(message)
    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.EVIDENCE_ADDED).exists()
    assert stored_files(media) == []


def test_a_pdf_with_javascript_is_refused(assessment, team, media):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_open_action(JavaScript("app.launchURL('https://example.org/', true);"))
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(ValidationError, match="contains scripts or embedded files"):
        add(assessment, team, "paper.pdf", buffer.getvalue())
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_a_word_document_with_its_parts_is_accepted(assessment, team, media):
    content = office_bytes(*DOCX_PARTS)
    evidence = add(assessment, team, "Digital strategy.docx", content)
    assert evidence.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert stored_files(media) == [content]


# Fingerprints: the same evidence found again, whatever it is called.


def test_a_file_is_fingerprinted_by_its_bytes_whatever_its_name(assessment, team, media):
    import hashlib

    content = long_pdf(pages=3)
    first = add(assessment, team, "Board pack.pdf", content)
    again = add(assessment, team, "Renamed copy.pdf", content)
    assert first.digest == again.digest == hashlib.sha256(content).hexdigest()


def test_a_link_is_fingerprinted_as_the_page_it_names(assessment, team):
    from assessments.services.evidence import evidence_add_link

    strategy = assessment.responses.get(domain__key="strategy")
    digests = {
        evidence_add_link(response_id=strategy.pk, url=url, title="Strategy", actor=team["lead"]).digest
        for url in (
            "https://www.trust.nhs.uk/strategy/",
            "http://trust.nhs.uk/strategy?utm_source=board#top",
            "HTTPS://TRUST.NHS.UK:443/strategy",
        )
    }
    assert len(digests) == 1
