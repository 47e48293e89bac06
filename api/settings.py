"""Configuration read once from the environment (prefix ``WANGGE_``, plus ``DATABASE_URL``)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every tunable of the server in one place (CONTRACTS.md, "Settings")."""

    model_config = SettingsConfigDict(env_prefix="WANGGE_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/wangge.sqlite",
        validation_alias=AliasChoices("DATABASE_URL", "WANGGE_DATABASE_URL"),
    )
    secret_key: str | None = None
    secret_key_file: Path = Path("var/secret_key")
    photo_dir: Path = Path("var/photos")
    max_photo_bytes: int = 10 * 1024 * 1024
    max_body_bytes: int = 2 * 1024 * 1024
    tile_url: str = ""
    # the basemap's datum: "wgs84" (OSM, Tianditu) or "gcj02" (Amap, Tencent); overlays follow it
    tile_crs: Literal["wgs84", "gcj02"] = "wgs84"
    tile_attribution: str = ""
    # what {s} in the tile URL cycles through, e.g. "abc" or "1234" (one character each)
    tile_subdomains: str = Field(default="abc", pattern=r"^[0-9A-Za-z]*$")
    # the deepest zoom the tile server has; the map zooms further by scaling those tiles
    tile_max_zoom: int = Field(default=18, ge=1, le=22)
    demo: bool = False
    token_minutes: int = 12 * 60
    h3_resolution: int = 11
    db_pool_size: int = 16
    # PostGIS: group-commit rounds of plain records in flight at once per process
    # (api.records.batch)
    write_rounds: int = 2
    max_future_minutes: int = 10
    # how long a process trusts its copy of the cells/leaders change counters (seconds)
    generation_ttl: float = 1.0
    # the address residents reach the server at, for the per-cell QR links of the report page
    public_url: str = "http://localhost:8000"
    # residents' reports (public page and Open311 POST): per address per hour, per phone per day,
    # public photo uploads per address per hour
    report_ip_per_hour: int = Field(default=10, ge=1)
    report_phone_per_day: int = Field(default=5, ge=1)
    report_photos_per_hour: int = Field(default=20, ge=1)
    web_dir: Path = Path(__file__).resolve().parent.parent / "web" / "public"
    # published duty phones per role, printed on notice boards for residents to call (never a
    # person's own phone): JSON, e.g. WANGGE_DUTY_PHONES='{"officer": "022-2330 1234"}'
    duty_phones: dict[str, str] = Field(default_factory=dict)
    # the register's personal-data key (api.register.crypto): base64 of 32 bytes, else the file
    data_key: str | None = None
    data_key_file: Path = Path("var/data_key")

    def jwt_secret(self) -> str:
        """The JWT signing key: the configured one, else a random one persisted beside the data."""
        if self.secret_key:
            return self.secret_key
        path = self.secret_key_file
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


class SettingsError(ValueError):
    """A setting in the environment has a value the server cannot use; names the variable."""


def env_name(field: str) -> str:
    """The environment variable that sets ``field`` (``tile_crs`` -> ``WANGGE_TILE_CRS``)."""
    return "DATABASE_URL" if field == "database_url" else f"WANGGE_{field.upper()}"


def load_settings() -> Settings:
    """Settings from the environment; a bad value raises SettingsError naming its variable."""
    try:
        return Settings()
    except ValidationError as e:
        lines = [
            f"{env_name(str(err['loc'][0]))}={err.get('input')!r}: {err['msg']}"
            for err in e.errors()
        ]
        raise SettingsError("invalid setting: " + "; ".join(lines)) from None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return load_settings()
