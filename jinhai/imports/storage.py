"""Where an uploaded spreadsheet waits between preview and confirm.

Each upload gets a random name in a private folder; the confirm form carries that name signed
together with the user and resource, so a crafted confirm can name neither another file nor
another user's upload. Files are removed after confirm, at once when the preview shows errors,
and otherwise swept when they are older than IMPORT_TMP_MAX_AGE.
"""

import os
import re
import secrets
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core import signing
from import_export.tmp_storages import BaseStorage

_NAME = re.compile(r"^[0-9a-f]{32}\.(upload|errors)$")
_SALT = "jinhai.imports.upload"


class UploadRefused(Exception):
    pass


def upload_dir() -> Path:
    path = Path(
        getattr(settings, "IMPORT_TMP_DIR", "") or Path(tempfile.gettempdir()) / "jinhai-imports"
    )
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def max_age() -> int:
    return getattr(settings, "IMPORT_TMP_MAX_AGE", 3600)


class UploadStorage(BaseStorage):
    suffix = ".upload"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.name is not None and not (
            _NAME.match(self.name) and self.name.endswith(self.suffix)
        ):
            raise UploadRefused("导入文件名无效。")

    @property
    def path(self) -> Path:
        return upload_dir() / self.name

    def save(self, data: bytes) -> None:
        self.save_chunks([data])

    def save_chunks(self, chunks) -> None:
        sweep()
        self.name = f"{secrets.token_hex(16)}{self.suffix}"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)

    def read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError as exc:
            raise UploadRefused("导入文件已过期或已被处理,请重新上传。") from exc

    def remove(self) -> None:
        if self.name:
            self.path.unlink(missing_ok=True)


class ErrorWorkbookStorage(UploadStorage):
    """A preview's error workbook, kept for download until swept like an abandoned upload."""

    suffix = ".errors"


def sweep() -> int:
    """Remove uploads abandoned at the preview; returns how many."""
    cutoff = time.time() - max_age()
    removed = 0
    for path in [*upload_dir().glob("*.upload"), *upload_dir().glob("*.errors")]:
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def sign(name: str, *, user_pk, resource: str, purpose: str = "") -> str:
    """`purpose` keeps an error workbook's token from ever being taken for an upload's."""
    return signing.dumps({"f": name, "u": user_pk, "r": resource}, salt=_SALT + purpose)


def unsign(token: str, *, user_pk, resource: str, purpose: str = "") -> str:
    try:
        data = signing.loads(token, salt=_SALT + purpose, max_age=max_age())
    except signing.SignatureExpired as exc:
        raise UploadRefused("导入预览已过期,请重新上传文件。") from exc
    except signing.BadSignature as exc:
        raise UploadRefused("导入请求无效,请重新上传文件。") from exc
    if data.get("u") != user_pk or data.get("r") != resource or not _NAME.match(data.get("f", "")):
        raise UploadRefused("导入请求无效,请重新上传文件。")
    return data["f"]
