"""Demo data of the three rooms, loaded by `load_demo` in this order: 美丽约定, 自治金, 和美楼组."""

from .agreements import demo as agreements_demo
from .campaign import demo as campaign_demo
from .fund import demo as fund_demo


def load(stdout=None):
    agreements_demo.load(stdout)
    fund_demo.load(stdout)
    campaign_demo.load(stdout)
