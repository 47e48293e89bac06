"""Helpers of the residents' tests: a client per caller address, photos with EXIF, a report,
and an officer taking a case through the loop to closure."""

from __future__ import annotations

import io
import itertools

from conftest import X0, Y0
from fastapi.testclient import TestClient
from PIL import Image

_ADDRESSES = itertools.count(1)


def resident(api) -> TestClient:  # noqa: ANN001
    """A client calling from an address of its own (the rate limits count by address)."""
    n = next(_ADDRESSES)
    return TestClient(api.client.app, client=(f"10.{n // 250}.{n % 250}.7", 40000 + n))


def jpeg_with_exif(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A small JPEG carrying EXIF: a GPS position, camera make and a serial number."""
    img = Image.new("RGB", (64, 48), colour)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0xA431] = "SERIAL-123456"  # BodySerialNumber
    exif[0x8825] = {1: "N", 2: (39.0, 6.0, 30.0), 3: "E", 4: (117.0, 12.0, 5.0)}  # GPS IFD
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def report_body(**over) -> dict:  # noqa: ANN003
    """A valid resident report in the officer's first cell."""
    body = {
        "category": "environment_sanitation",
        "description": "垃圾堆放",
        "lon": X0 + 0.004,
        "lat": Y0 + 0.007,
    }
    body.update(over)
    return body


def close_case(api, record_id: str) -> dict:  # noqa: ANN001
    """Take a reported case through verification to closure, as the officers would."""
    rec = api.get(f"/records/{record_id}", "officer").json()
    steps = [
        ("officer", "register"),
        ("officer", "dispatch"),
        ("officer", "handle"),
        ("officer", "feedback"),
        ("street", "verify"),
    ]
    for user, action in steps:
        r = api.post(
            f"/records/{record_id}/transitions",
            user,
            json={
                "action": action,
                "version": rec["version"],
                "note": f"{action} 张三 13800000000",
            },
        )
        assert r.status_code == 200, r.text
        rec = r.json()
    return rec
