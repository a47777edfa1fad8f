"""The CRM: a prospect's stage read from HubSpot or Salesforce deals (docs/crm.md)."""

from __future__ import annotations

from bot.crm.base import Company, Crm, CrmError, CrmUnavailable, Deal, Pipeline, PipelineStage
from bot.settings import Settings

__all__ = [
    "Company",
    "Crm",
    "CrmError",
    "CrmUnavailable",
    "Deal",
    "Pipeline",
    "PipelineStage",
    "make_crm",
]


def make_crm(settings: Settings, *, timeout_s: float) -> Crm | None:
    """The CRM the settings name, or None; `timeout_s` bounds each HTTP call it makes."""
    if settings.crm == "hubspot" and settings.hubspot_token:
        from bot.crm.hubspot import HubSpotCrm

        return HubSpotCrm(
            settings.hubspot_token, api_url=settings.hubspot_api_url, timeout_s=timeout_s
        )
    if settings.crm == "salesforce":
        from bot.crm.salesforce import SalesforceCrm

        return SalesforceCrm(
            instance_url=settings.salesforce_instance_url,
            token=settings.salesforce_token,
            username=settings.salesforce_username,
            password=settings.salesforce_password,
            security_token=settings.salesforce_security_token,
            timeout_s=timeout_s,
        )
    return None
