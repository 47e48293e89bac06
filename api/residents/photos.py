"""Residents' photos: size limit, type sniffing and EXIF stripped before anything is stored.

A resident's photo is decoded by Pillow and written again without its metadata (EXIF with GPS
position and camera serial, XMP, text chunks), turned upright first as the EXIF said; only the
cleaned bytes are hashed and stored, so no copy with metadata is ever kept or shown.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from pathlib import Path

from PIL import Image, ImageOps
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.errors import InvalidInput, TooLarge, UnsupportedMedia
from api.models import Photo
from api.photos.router import sniff

# What residents may send: Pillow format → content type (no GIF or HEIC from the public).
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
LOC = ("body", "file")


def _decode(data: bytes) -> Image.Image:
    """The image in ``data``, checked: an accepted type by its magic bytes and by Pillow, and not
    too many pixels; 415 otherwise."""
    if sniff(data[:16]) not in FORMATS.values():
        raise UnsupportedMedia("not a JPEG, PNG or WebP image", LOC)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.format not in FORMATS:
                raise UnsupportedMedia("not a JPEG, PNG or WebP image", LOC)
            if img.width * img.height > MAX_PIXELS:
                raise UnsupportedMedia(f"image over {MAX_PIXELS} pixels", LOC)
            img.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning) as e:
        raise UnsupportedMedia("the image could not be read", LOC) from e
    return img


def clean(data: bytes, limit: int) -> tuple[bytes, str]:
    """``data`` re-encoded without metadata, and its content type; 413 over ``limit`` bytes,
    422 when empty, 415 when not an accepted image."""
    if len(data) > limit:
        raise TooLarge(f"photo larger than {limit} bytes", LOC)
    if not data:
        raise InvalidInput("empty file", LOC)
    img = _decode(data)
    fmt = str(img.format)
    upright = ImageOps.exif_transpose(img)
    if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    out = io.BytesIO()
    # nothing of img.info (exif, xmp, icc, text) is passed on: the new file has no metadata
    upright.save(out, format=fmt, **({"quality": 90} if fmt != "PNG" else {}))
    return out.getvalue(), FORMATS[fmt]


def store(session: Session, directory: Path, data: bytes, ctype: str, sha: str) -> bool:
    """Write cleaned bytes under their hash and add their row (no uploader: a resident has no
    account); whether they were new. The caller commits."""
    final = directory / sha[:2] / sha
    if not final.exists():
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, final)
    row = {
        "sha256": sha,
        "size": len(data),
        "content_type": ctype,
        "path": str(final.relative_to(directory)),
        "uploaded_by": None,
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(Photo).values(**row).on_conflict_do_nothing().returning(Photo.sha256)
    return session.execute(stmt).first() is not None
