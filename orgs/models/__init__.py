"""Social organizations (社会组织) of a subdistrict and its "1+N+X" social-work station network, in
three modules: `organizations` (organizations and their annual inspections), `news` (reports and
public-welfare activities) and `stations`. Import from here: `from orgs.models import ...`."""

from .news import ActivityPhoto, InfoReport, PublicWelfareActivity, ReportPhoto
from .organizations import (
    KIND_BY_CREDIT_CODE,
    AnnualInspection,
    InspectionResult,
    OrganizationKind,
    OrganizationStatus,
    ServiceField,
    SocialOrganization,
)
from .stations import SocialWorkStation, StationLevel

__all__ = [
    "KIND_BY_CREDIT_CODE",
    "ActivityPhoto",
    "AnnualInspection",
    "InfoReport",
    "InspectionResult",
    "OrganizationKind",
    "OrganizationStatus",
    "PublicWelfareActivity",
    "ReportPhoto",
    "ServiceField",
    "SocialOrganization",
    "SocialWorkStation",
    "StationLevel",
]
