"""Photo upload (idempotent by content hash, size- and type-checked) and download."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.accounts.access import visible_photos
from api.dependencies import ScopeDep, SessionDep, StoreDep
from api.edge.responses import SIGNED_IN, PhotoOut, answers, binary
from api.errors import InvalidInput, NotFound, TooLarge, UnsupportedMedia
from api.models import Photo, PhotoUpload

router = APIRouter(tags=["photos"])

# Magic numbers of accepted images: the declared content type is never trusted.
SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"WEBP", 8, "image/webp"),
    (b"GIF8", 0, "image/gif"),
    (b"ftypheic", 4, "image/heic"),
)
CHUNK = 1 << 16


def sniff(head: bytes) -> str | None:
    """The image type the first bytes announce, or None."""
    for magic, offset, ctype in SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return ctype
    return None


def _store_file(upload: UploadFile, directory: Path, limit: int) -> tuple[str, int, str, Path]:
    """Stream the upload to a temp file, hashing and counting; refuse oversize and non-images."""
    directory.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := upload.file.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"photo larger than {limit} bytes", ("body", "file"))
                if len(head) < 16:
                    head += chunk[:16]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidInput("empty file", ("body", "file"))
        ctype = sniff(head)
        if ctype is None:
            raise UnsupportedMedia("not a JPEG, PNG, WebP, GIF or HEIC image", ("body", "file"))
        return digest.hexdigest(), size, ctype, Path(tmp)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _insert_new(session: Session, model: type[Photo] | type[PhotoUpload], row: dict) -> bool:
    """Insert ``row`` unless its primary key is taken (``ON CONFLICT DO NOTHING`` on both
    backends, so concurrent uploads of the same bytes never collide); whether it was new."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(model).values(**row).on_conflict_do_nothing().returning(model.sha256)
    return session.execute(stmt).first() is not None


@router.post(
    "/photos",
    status_code=201,
    response_model=None,
    responses=answers(PhotoOut, *SIGNED_IN, 403, 413, 415, status=201, also=(200,)),
)
def upload(
    file: Annotated[UploadFile, File()], scope: ScopeDep, session: SessionDep, store: StoreDep
) -> JSONResponse:
    """Store an image once per content hash and record the user as one of its uploaders (so it is
    theirs to read and link, whoever sent it first); uploading it again answers 200."""
    scope.require_write()
    directory = store.settings.photo_dir
    sha, size, ctype, tmp = _store_file(file, directory, store.settings.max_photo_bytes)
    final = directory / sha[:2] / sha
    if session.get(Photo, sha) is None:
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)  # the file is in place before the row that points at it commits
    else:
        tmp.unlink(missing_ok=True)
    path = str(final.relative_to(directory))
    photo = {"sha256": sha, "size": size, "content_type": ctype, "path": path}
    created = _insert_new(session, Photo, {**photo, "uploaded_by": scope.user_id})
    _insert_new(session, PhotoUpload, {"sha256": sha, "user_id": scope.user_id})
    session.commit()
    body = {"sha256": sha, "size": size, "content_type": ctype}
    return JSONResponse(body, status_code=201 if created else 200)


@router.get(
    "/photos/{sha256}",
    response_class=Response,
    responses=answers(None, *SIGNED_IN, 404, media=binary(*(c for _, _, c in SIGNATURES))),
)
def download(sha256: str, scope: ScopeDep, session: SessionDep, store: StoreDep) -> FileResponse:
    """The image with this content hash, if the user may see it (404 otherwise: a photo outside
    the user's reach is not admitted to exist)."""
    photo = session.get(Photo, sha256) if len(sha256) == 64 else None
    if photo is None or sha256 not in visible_photos(session, scope, [sha256]):
        raise NotFound(f"no photo {sha256}", ("path", "sha256"))
    return FileResponse(store.settings.photo_dir / photo.path, media_type=photo.content_type)
