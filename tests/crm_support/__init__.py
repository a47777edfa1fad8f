"""CRM test harness: local fakes of the HubSpot and Salesforce APIs that record every call."""

from __future__ import annotations

from .fake_hubspot import HUBSPOT_TOKEN, FakeHubSpot
from .fake_salesforce import SALESFORCE_TOKEN, FakeSalesforce
from .http_fake import CrmCall, Fault, self_signed_certificate

__all__ = [
    "HUBSPOT_TOKEN",
    "SALESFORCE_TOKEN",
    "CrmCall",
    "FakeHubSpot",
    "FakeSalesforce",
    "Fault",
    "self_signed_certificate",
]
