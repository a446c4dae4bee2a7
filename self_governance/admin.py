"""Django's admin autodiscovery imports this module; each room registers its own ModelAdmins."""

from .agreements import admin as agreements_admin
from .campaign import admin as campaign_admin
from .fund import admin as fund_admin

__all__ = ["agreements_admin", "campaign_admin", "fund_admin"]
