"""Photos: JPEG, PNG or WebP by content, limited in size, cleaned of EXIF on save."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from jinhai.uploads import sanitize, validate_photo


def image_bytes(fmt="JPEG", size=(40, 20), exif=None):
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    options = {"exif": exif} if exif is not None else {}
    image.save(out, format=fmt, **options)
    return out.getvalue()


def gps_exif(orientation=6):
    exif = Image.Exif()
    exif[0x0112] = orientation  # rotate 90° when shown
    exif[0x8825] = {1: "N", 2: (31.0, 55.0, 12.0), 3: "E", 4: (121.0, 30.0, 5.0)}  # GPS
    return exif


def upload(data, name="photo.jpg"):
    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats(fmt):
    validate_photo(upload(image_bytes(fmt)))


def test_exif_and_gps_are_stripped_and_orientation_applied():
    content, name = sanitize(upload(image_bytes(exif=gps_exif())), "照片.jpeg")
    assert name == "照片.jpg"
    with Image.open(io.BytesIO(content.read())) as cleaned:
        assert cleaned.size == (20, 40)  # turned upright
        assert not cleaned.getexif()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "网页代码"),
        (image_bytes() + b"<html><script>alert(1)</script></html>", "网页代码"),
        (image_bytes("GIF"), "不支持 GIF"),
        (image_bytes("BMP"), "不支持 BMP"),
        (b"%PDF-1.4 not an image", "不是有效的图片"),
        (image_bytes()[:60], "不是有效的图片"),
    ],
)
def test_other_content_named_jpg_is_refused(data, message):
    with pytest.raises(ValidationError, match=message):
        validate_photo(upload(data, "renamed.jpg"))


def test_size_and_pixel_limits(settings):
    settings.PHOTO_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match="不能超过"):
        validate_photo(upload(image_bytes(size=(400, 400)) + b"\0" * 2000))
    settings.PHOTO_MAX_BYTES = 10 * 1024 * 1024
    settings.PHOTO_MAX_PIXELS = 100
    with pytest.raises(ValidationError, match="尺寸过大"):
        validate_photo(upload(image_bytes(size=(20, 20))))


def test_admin_upload_is_cleaned(world, users, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    volunteer = world.a.volunteer
    client = login(users.staff_a)
    data = {
        "community": world.a.community.pk,
        "name": volunteer.name,
        "mobile": volunteer.mobile,
        "gender": "",
        "political_status": "",
        "notes": "",
        "photo": upload(image_bytes(exif=gps_exif()), "自拍.JPG"),
        "appointments-TOTAL_FORMS": "0",
        "appointments-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:volunteers_volunteer_change", args=[volunteer.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    volunteer.refresh_from_db()
    assert volunteer.photo.name.endswith(".jpg")
    with Image.open(volunteer.photo.path) as saved:
        assert not saved.getexif() and saved.size == (20, 40)

    data["photo"] = upload(b"<svg><script>alert(1)</script></svg>", "头像.jpg")
    response = client.post(reverse("admin:volunteers_volunteer_change", args=[volunteer.pk]), data)
    assert response.status_code == 200
    assert "有效" in response.content.decode() or "网页代码" in response.content.decode()
