"""What counts as English in text a worker reads: the pages of the admin (test_browser_chinese.py)
and the files it exports (test_exports.py)."""

import re

# Names Chinese offices write in Latin letters as they are.
ALLOWED = {"Excel", "CSV", "ID", "xlsx", "csv", "PDF", "QR", "TOTP", "WPS", "GBK", "UTF", "BOM"}
ALLOWED |= {"KB", "MB", "GB", "JPEG", "PNG", "WebP", "EXIF", "GPS", "IP"}
# A key as it is printed on the keyboard ("按住 Ctrl 键点击可选择多项").
ALLOWED |= {"Ctrl"}
# The office formats and suite an import page names.
ALLOWED |= {"LibreOffice", "xls", "xlsm", "xlsb", "ods"}

LATIN_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z’']*[A-Za-z](?![A-Za-z0-9])")
ADDRESS = re.compile(r"https?://\S+")


def english_words(text, data=()):
    text = ADDRESS.sub(" ", text)
    for value in data:
        text = text.replace(value, " ")
    return sorted({word for word in LATIN_WORD.findall(text) if word not in ALLOWED})
