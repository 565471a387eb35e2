"""Signed lease documents (PDF or image): private, downloadable only by the lease's tenant and
the property's managers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.core.errors import NotFound, ValidationError
from pms_app.documents.models import LeaseDocument
from pms_app.integrations import storage
from pms_app.leases.service import get_managed_lease, get_readable_lease

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_LEASE = 20
# Accepted types, recognised by their first bytes (the name's extension alone proves nothing).
_MAGIC: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
]
_EXT_OK = {"pdf": ("pdf",), "jpg": ("jpg", "jpeg"), "png": ("png",)}


def _sniff(data: bytes) -> tuple[str, str] | None:
    for magic, ext, ctype in _MAGIC:
        if data.startswith(magic):
            return ext, ctype
    return None


def clean_filename(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]  # drop any path the browser sent
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .")[:120]
    return base or "document"


def upload(
    session: Session, actor: User | None, lease_id: int, filename: str, data: bytes
) -> LeaseDocument:
    lease = get_managed_lease(session, actor, lease_id)
    if not data:
        raise ValidationError("The file is empty.", "file")
    if len(data) > MAX_BYTES:
        raise ValidationError("The file is larger than 10 MB.", "file")
    sniffed = _sniff(data)
    name = clean_filename(filename)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if sniffed is None or ext not in _EXT_OK[sniffed[0]]:
        raise ValidationError("Upload a PDF, JPEG or PNG file.", "file")
    count = len(
        session.exec(select(LeaseDocument.id).where(LeaseDocument.lease_id == lease.id)).all()
    )
    if count >= MAX_PER_LEASE:
        raise ValidationError(
            "A lease can have at most {most} documents.", "file", most=MAX_PER_LEASE
        )
    stored = storage.save(data, sniffed[0])
    doc = LeaseDocument(
        lease_id=lease.id or 0,
        original_name=name,
        stored_name=stored,
        content_type=sniffed[1],
        size=len(data),
        uploaded_by_id=actor.id if actor else 0,
    )
    session.add(doc)
    try:
        session.commit()
    except Exception:
        storage.delete(stored)
        raise
    return doc


@dataclass(frozen=True)
class DocumentRow:
    id: int
    name: str
    size_kb: int
    uploaded_at: datetime


def list_documents(session: Session, actor: User | None, lease_id: int) -> list[DocumentRow]:
    lease = get_readable_lease(session, actor, lease_id)
    rows = session.exec(
        select(LeaseDocument)
        .where(LeaseDocument.lease_id == lease.id)
        .order_by(col(LeaseDocument.created_at).desc())
    ).all()
    return [
        DocumentRow(d.id or 0, d.original_name, max(1, d.size // 1024), d.created_at) for d in rows
    ]


def open_document(session: Session, actor: User | None, document_id: int) -> tuple[str, str, bytes]:
    """(download name, content type, bytes) for the lease's tenant or its managers."""
    doc = session.get(LeaseDocument, document_id) if isinstance(document_id, int) else None
    if doc is None:
        raise NotFound("document")
    try:
        get_readable_lease(session, actor, doc.lease_id)
        data = storage.read(doc.stored_name)
    except (NotFound, FileNotFoundError):
        raise NotFound("document") from None
    return doc.original_name, doc.content_type, data


def delete_document(session: Session, actor: User | None, document_id: int) -> None:
    doc = session.get(LeaseDocument, document_id) if isinstance(document_id, int) else None
    if doc is None:
        raise NotFound("document")
    try:
        get_managed_lease(session, actor, doc.lease_id)
    except NotFound:
        raise NotFound("document") from None
    session.delete(doc)
    session.commit()
    storage.delete(doc.stored_name)
