"""The import base's registry loads each app's `resources` module; the rooms declare theirs."""

from .agreements.resources import PointsResource
from .fund.resources import FundProjectsResource

__all__ = ["FundProjectsResource", "PointsResource"]
