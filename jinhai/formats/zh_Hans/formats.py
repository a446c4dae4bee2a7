"""One way of writing dates everywhere in the admin: 2026-12-01 and 2026-12-01 14:30.

Django's zh_Hans shows 2026年12月1日 in lists and details, but its date inputs and the calendar
write 2026/12/01, and the figures and exports use 2026-12-01: three ways for one date. ISO order
is what staff type and what the spreadsheets carry. Months and years keep their Chinese names
(the date filters' "2022年7月"). Public pages name their formats in the templates.
"""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"

# The first is how inputs and the calendar write a date; the others are also read. (Django's own
# list has "%Y年%n月%j日", which strptime reads as day of the year.)
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
]
