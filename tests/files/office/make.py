"""Makes the office files the import tests read: each quirk as LibreOffice really writes it.

Run `python tests/files/office/make.py` (needs `soffice`, Debian's libreoffice-calc-nogui) to
regenerate; the files are checked in, so the tests need no LibreOffice. Each source is written
with openpyxl (or as CSV, so that LibreOffice's own type detection turns 3-2 into a date), then
opened and saved by LibreOffice in the formats staff send.
"""

import datetime
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
LEADERS = ["社区", "类型", "姓名", "手机号", "小区", "楼组", "推选日期"]
# LibreOffice's numbers for the CSV character sets (rtl_TextEncoding).
GBK, UTF16 = 70, 65535


def leaders_hidden(path):
    """A hidden last-year sheet first; this year's sheet is the active one."""
    book = openpyxl.Workbook()
    old = book.active
    old.title = "2021年(旧)"
    old.append(LEADERS)
    for i in range(3):
        old.append(["正学社区", "楼组长", f"旧人{i}", f"1370000010{i}", "正学苑", "2号楼", None])
    old.sheet_state = "hidden"
    new = book.create_sheet("2022年")
    new.append(LEADERS)
    new.append(["正学社区", "楼组长", "新人甲", "13700000201", "正学苑", "2号楼", None])
    book.active = 1
    book.save(path)


def leaders_example(path):
    """A 填写示例 sheet in front of the roster, and the example is the active sheet."""
    book = openpyxl.Workbook()
    example = book.active
    example.title = "填写示例"
    example.append(LEADERS)
    example.append(["某某社区", "楼组长", "张三", "13800000000", "某小区", "1号楼", None])
    roster = book.create_sheet("名册")
    roster.append(LEADERS)
    roster.append(["正学社区", "楼组长", "新人乙", "13700000202", "正学苑", "2号楼", None])
    book.save(path)


def leaders_ambiguous(path):
    book = openpyxl.Workbook()
    book.active.title = "统计"
    book.active.append(["本表由社区填写"])
    for month in ("一月", "二月"):
        sheet = book.create_sheet(month)
        sheet.append(LEADERS)
        sheet.append(["正学社区", "楼组长", "新人丙", "13700000203", "正学苑", "2号楼", None])
    book.save(path)


def leaders_office(path):
    """A two-level header with notes, padded names, one person leading two building groups."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "楼组长名册"
    sheet.append(["2022年正学社区楼组长名册"])
    sheet.merge_cells("A1:H1")
    sheet.append(["序号", "社区", "类型", "基本信息", None, "所在楼组", None, "推选日期"])
    sheet.merge_cells("D2:E2")
    sheet.merge_cells("F2:G2")
    sheet.append([None, None, None, "姓名\n(必填)", "手机号（必填）", "小区", "楼组", None])
    rows = [
        ["正学社区", "楼组长", "王　芳", "13700000301", "正学苑", "2号楼"],
        ["正学社区", "楼组长", "王　芳", "13700000301", "正学苑", "3号楼"],
        ["正学社区", "楼组长", "李\u00a0明 ", "13700000302", "正学苑", "4号楼"],
    ]
    for number, row in enumerate(rows, start=1):
        sheet.append([number, *row, datetime.date(2022, 7, 1)])
    book.save(path)


def leaders_dates(path):
    """Numbers in a date column: 2022 (a year) and 7.1 (July 1st, as typed)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(LEADERS)
    sheet.append(["正学社区", "楼组长", "新人丁", "13700000401", "正学苑", "2号楼", 2022])
    sheet.append(["正学社区", "楼组长", "新人戊", "13700000402", "正学苑", "3号楼", 7.1])
    book.save(path)


def leaders_lost_glyph(path):
    """A name GBK cannot hold: LibreOffice's GBK export writes 王? for 王䶮."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(LEADERS)
    sheet.append(["正学社区", "楼组长", "王䶮", "13700000501", "正学苑", "2号楼", None])
    book.save(path)


def places_office(path):
    """Title, notes in headers, 序号, 社区/小区 merged down, a formula, a blank row, 合计."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "小区楼组"
    sheet.append(["金海街道小区楼组统计表"])
    sheet.merge_cells("A1:E1")
    sheet.append(["序号", "社区(必填)", "小区\n（必填）", "楼组 名称", "户数（户）"])
    sheet.append([1, "正学社区", "正学东苑", "1号楼", "=10+14"])
    sheet.append([2, None, None, "2号楼", 18])
    sheet.append([3, None, None, "3号楼", 20])
    sheet.merge_cells("B3:B5")
    sheet.merge_cells("C3:C5")
    sheet.append([])
    sheet.append([None, "合计", None, None, "=SUM(E3:E5)"])
    book.save(path)


def places_merged(path):
    """Merged cells in the optional columns: 地址 merged down over three building groups, 户数
    over two; a blank 地址 that is not merged stays blank."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "小区楼组"
    sheet.append(["社区", "小区", "楼组", "户数", "地址"])
    sheet.append(["正学社区", "正学东苑", "1号楼", 24, "金海路100弄"])
    sheet.append(["正学社区", "正学东苑", "2号楼", 18, None])
    sheet.append(["正学社区", "正学东苑", "3号楼", 20, None])
    sheet.merge_cells("E2:E4")
    sheet.append(["正学社区", "正学东苑", "4号楼", 30, "金海路102弄"])
    sheet.append(["正学社区", "正学东苑", "5号楼", None, "金海路104弄"])
    sheet.merge_cells("D5:D6")
    sheet.append(["正学社区", "正学东苑", "6号楼", 12, None])
    book.save(path)


def fund_yuan(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["社区", "项目名称", "类别", "申请金额"])
    sheet.append(["正学社区", "楼道灯更换", "楼道", "￥12,000.00"])
    sheet.append(["正学社区", "绿化补种", "环境", "￥3,500"])
    book.save(path)


def orgs_rounded(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["名称", "统一社会信用代码", "类型"])
    # An all-digit code typed into a number cell: Excel keeps 15 digits, 913101206711486000.
    sheet.append(["上海市奉贤区金海为老服务社", 913101206711486123, "民办非企业单位"])
    book.save(path)


def attendance_leave(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["培训名称", "日期", "姓名", "手机号", "是否出席", "备注"])
    day = datetime.date(2022, 10, 10)
    sheet.append(['"垃圾分类"宣传培训', day, "正学楼组长", "13700000601", "请假", ""])
    book.save(path)


POINTS = "日期,约定,细则编号,小区,楼组,室号\n"


def points_csv(rows):
    def write(path):
        Path(path).write_text(
            POINTS
            + "".join(f"2022-10-05,正学社区美丽约定积分制,G01,正学苑,1号楼,{r}\n" for r in rows),
            encoding="utf-8",
        )

    return write


# name: (source writer, source suffix, [(target format, LibreOffice filter), ...])
XLSX = ("xlsx", "xlsx:Calc MS Excel 2007 XML")
XLS = ("xls", "xls:MS Excel 97")
ODS = ("ods", "ods")
FILES = {
    "leaders_hidden": (leaders_hidden, "xlsx", [XLSX, XLS, ODS]),
    "leaders_example": (leaders_example, "xlsx", [XLSX]),
    "leaders_ambiguous": (leaders_ambiguous, "xlsx", [XLSX]),
    "leaders_office": (leaders_office, "xlsx", [XLSX, XLS, ODS]),
    "leaders_dates": (leaders_dates, "xlsx", [XLSX]),
    "leaders_lost_glyph": (
        leaders_lost_glyph,
        "xlsx",
        [("csv", f"csv:Text - txt - csv (StarCalc):44,34,{GBK}")],
    ),
    "places_office": (
        places_office,
        "xlsx",
        [XLSX, XLS, ODS, ("txt", f"csv:Text - txt - csv (StarCalc):9,34,{UTF16}")],
    ),
    "places_merged": (places_merged, "xlsx", [XLSX, XLS, ODS]),
    "fund_yuan": (fund_yuan, "xlsx", [("csv", f"csv:Text - txt - csv (StarCalc):44,34,{GBK}")]),
    "orgs_rounded": (orgs_rounded, "xlsx", [XLSX]),
    "attendance_leave": (attendance_leave, "xlsx", [XLSX]),
    "points_rooms": (points_csv(["301室"]), "csv", [XLSX]),
    "points_room_date": (points_csv(["3-2"]), "csv", [XLSX]),
}


def main():
    soffice = shutil.which("soffice") or sys.exit("soffice is needed to regenerate the files")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, (write, suffix, targets) in FILES.items():
            if sys.argv[1:] and name not in sys.argv[1:]:
                continue
            source = tmp / f"{name}.{suffix}"
            write(source)
            for extension, filter_name in targets:
                out = tmp / extension
                infilter = ["--infilter=CSV:44,34,76,1,,2052"] if suffix == "csv" else []
                command = [soffice, "--headless", *infilter, "--convert-to", filter_name]
                command += ["--outdir", str(out), str(source)]
                subprocess.run(command, check=True, capture_output=True, timeout=120)
                produced = out / f"{name}.{'csv' if filter_name.startswith('csv') else extension}"
                shutil.move(produced, HERE / f"{name}.{extension}")
                print(f"{name}.{extension}")


if __name__ == "__main__":
    main()
