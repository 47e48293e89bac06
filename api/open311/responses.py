"""Response models of Open311 GeoReport v2 (JSON; the XML carries the same fields)."""

from __future__ import annotations

from typing import Any

from api.edge.responses import Out


class EndpointOut(Out):
    """An endpoint of the discovery document."""

    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class DiscoveryOut(Out):
    """The discovery document."""

    changeset: str
    contact: str
    key_service: str
    endpoints: list[EndpointOut]


class ServiceOut(Out):
    """A service (a category residents may report)."""

    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class ValueOut(Out):
    """A value of a single-value-list attribute."""

    key: str
    name: str


class AttributeOut(Out):
    """An extra question of a service."""

    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[ValueOut]


class DefinitionOut(Out):
    """A service definition."""

    service_code: str
    attributes: list[AttributeOut]


class PostedOut(Out):
    """The answer to a POSTed request."""

    service_request_id: str
    service_notice: str
    account_id: Any


class RequestOut(Out):
    """A service request (no personal data; position rounded)."""

    service_request_id: str
    status: str
    status_notes: str
    service_name: str
    service_code: str
    agency_responsible: str
    service_notice: str | None
    requested_datetime: str | None
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float
    long: float
    media_url: str | None
