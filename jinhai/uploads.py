"""Photos people upload: committee members, volunteers, evidence, receipts, activities.

Accepted only as JPEG, PNG or WebP, judged by content (not by the file name), within a size and
a pixel limit. On save every photo is decoded and encoded again: orientation from EXIF is
applied, and EXIF (GPS included) and anything appended to the image (an HTML "polyglot") are
dropped, because only the pixels are written back.
"""

import io
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
_MARKUP = (b"<html", b"<script", b"<svg", b"<!doctype", b"<iframe", b"<?php", b"javascript:")


def limits():
    return (
        getattr(settings, "PHOTO_MAX_BYTES", 10 * 1024 * 1024),
        getattr(settings, "PHOTO_MAX_PIXELS", 40_000_000),
    )


def _open(file):
    max_bytes, max_pixels = limits()
    if file.size is not None and file.size > max_bytes:
        raise ValidationError(
            f"图片不能超过 {max_bytes // 1024 // 1024} MB。", code="photo_too_big"
        )
    file.seek(0)
    head = file.read().lower()
    if any(marker in head for marker in _MARKUP):
        # A valid image with a web page inside it (a "polyglot") has no business here.
        raise ValidationError("图片文件中含有网页代码,已拒绝。", code="photo_polyglot")
    file.seek(0)
    try:
        image = Image.open(file)
        image.verify()  # a truncated or malformed file fails here, before any decoding
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            "不是有效的图片。请上传 JPEG、PNG 或 WebP 格式的照片。", code="photo_invalid"
        ) from exc
    except Image.DecompressionBombError as exc:
        raise ValidationError("图片像素过多。", code="photo_too_large") from exc
    if image.format not in FORMATS:
        raise ValidationError(
            f"不支持 {image.format} 格式的图片。请上传 JPEG、PNG 或 WebP 格式的照片。",
            code="photo_format",
        )
    width, height = image.size
    if width * height > max_pixels:
        raise ValidationError(
            f"图片尺寸过大({width}×{height}),请缩小后再上传。", code="photo_too_large"
        )
    return image.format


def validate_photo(file) -> None:
    _open(file)
    file.seek(0)


def sanitize(file, name):
    """The photo decoded and encoded again without metadata; the name gets the true extension."""
    fmt = _open(file)
    file.seek(0)
    with Image.open(file) as image:
        image = ImageOps.exif_transpose(image)
        if fmt == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        options = {"quality": 88, "optimize": True} if fmt in ("JPEG", "WEBP") else {}
        image.save(out, format=fmt, **options)
    return ContentFile(out.getvalue()), str(Path(name).with_suffix(FORMATS[fmt]))


@deconstructible
class RandomName:
    """`upload_to` for every upload: `<folder>/2026/12/<uuid4 hex>.jpg`.

    The uploader's own file name (IMG_0001.jpg) is guessable and may carry a person's name, so
    only the extension is kept; the media view (jinhai/media.py) still checks who may see the
    file, the random name only stops guessing around it.
    """

    def __init__(self, folder):
        self.folder = folder.strip("/")

    def __call__(self, instance, filename):
        suffix = Path(filename).suffix.lower()
        return f"{self.folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"

    def __eq__(self, other):
        return isinstance(other, RandomName) and other.folder == self.folder


class PhotoFieldFile(ImageFieldFile):
    def save(self, name, content, save=True):
        content, name = sanitize(content, name)
        super().save(name, content, save)


class PhotoField(models.ImageField):
    """An ImageField for people's photos: validated by content and cleaned on save."""

    attr_class = PhotoFieldFile
    default_validators = [validate_photo]


def public_flag(help_text):
    """The "公开展示" box of a photo that a public page may show: off until staff tick it, because
    a photo of people is not a public file unless someone chose to publish it."""
    return models.BooleanField("公开展示", default=False, help_text=help_text)
