"""Lease documents: what may be uploaded, where it is kept, who may download it."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from pms_app.core.errors import NotAuthenticated, NotFound, ValidationError
from pms_app.core.settings import get_settings
from pms_app.documents import service as documents
from pms_app.documents.models import LeaseDocument
from pms_app.integrations import storage
from tests import factories as f

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_upload_is_private_and_readable_by_tenant_and_managers_only(session: Session) -> None:
    lease = f.lease(session)
    owner = f.owner_of(session, lease)
    doc = documents.upload(session, owner, lease.id, "Signed lease.pdf", PDF)
    assert doc.stored_name != "Signed lease.pdf" and doc.stored_name.endswith(".pdf")
    path = storage.private_dir() / doc.stored_name
    assert path.read_bytes() == PDF
    assert "upload" not in str(path.parent).lower()  # never under Reflex's public upload dir
    assert path.parent.is_relative_to(get_settings().data_dir)

    tenant = session.get(f.User, lease.tenant_id)
    assert documents.open_document(session, tenant, doc.id) == (
        "Signed lease.pdf",
        "application/pdf",
        PDF,
    )
    assert documents.open_document(session, owner, doc.id)[2] == PDF
    assert [d.name for d in documents.list_documents(session, tenant, lease.id)] == [
        "Signed lease.pdf"
    ]

    other_lease = f.lease(session)
    stranger_tenant = session.get(f.User, other_lease.tenant_id)
    for actor in (stranger_tenant, f.owner_of(session, other_lease)):
        with pytest.raises(NotFound):
            documents.open_document(session, actor, doc.id)
        with pytest.raises(NotFound):
            documents.delete_document(session, actor, doc.id)
    with pytest.raises(NotAuthenticated):
        documents.open_document(session, None, doc.id)
    with pytest.raises(NotFound):  # tenants read, they don't upload
        documents.upload(session, tenant, lease.id, "x.pdf", PDF)
    assert path.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("lease.pdf", b"", "empty"),
        ("lease.pdf", b"%PDF-" + b"0" * documents.MAX_BYTES, "larger than 10 MB"),
        ("photo.jpg", PDF, "PDF, JPEG or PNG"),  # polyglot: PDF bytes named .jpg
        ("lease.pdf", PNG, "PDF, JPEG or PNG"),
        ("drawing.svg", b"<svg onload=alert(1)></svg>", "PDF, JPEG or PNG"),
        ("page.html", b"<html><script>alert(1)</script>", "PDF, JPEG or PNG"),
        ("noext", PDF, "PDF, JPEG or PNG"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    session: Session, name: str, data: bytes, message: str
) -> None:
    lease = f.lease(session)
    before = set(storage.private_dir().iterdir())
    with pytest.raises(ValidationError) as err:
        documents.upload(session, f.owner_of(session, lease), lease.id, name, data)
    assert message in err.value.message
    assert set(storage.private_dir().iterdir()) == before
    assert session.exec(select(LeaseDocument)).all() == []


def test_path_tricks_in_names_are_neutralised(session: Session) -> None:
    lease = f.lease(session)
    doc = documents.upload(
        session, f.owner_of(session, lease), lease.id, "../../etc/passwd.png", PNG
    )
    assert doc.original_name == "passwd.png"
    assert (storage.private_dir() / doc.stored_name).exists()
    with pytest.raises(FileNotFoundError):
        storage.read("../secret_key")


def test_delete_removes_the_file(session: Session) -> None:
    lease = f.lease(session)
    owner = f.owner_of(session, lease)
    doc = documents.upload(session, owner, lease.id, "a.png", PNG)
    path = storage.private_dir() / doc.stored_name
    documents.delete_document(session, owner, doc.id)
    assert not path.exists()
    assert session.get(LeaseDocument, doc.id) is None
