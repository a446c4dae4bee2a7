"""Uploads are served by jinhai.media.serve: by scope to staff, and to everyone only where a public
page shows the photo on purpose. Stored names are random; replaced and cleared files go away."""

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from .factories import CommitteeMemberFactory, ElectionFactory, UserFactory
from .test_uploads import image_bytes, upload


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_ACCEL_REDIRECT = ""
    return tmp_path


def give_photo(obj, field="photo", name="IMG_0001.jpg", **flags):
    getattr(obj, field).save(name, ContentFile(image_bytes()), save=False)
    for key, value in flags.items():
        setattr(obj, key, value)
    obj.save()
    return "/media/" + getattr(obj, field).name


def status(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url).status_code


def test_a_private_portrait_reaches_its_communitys_staff_and_the_street_only(
    world, users, client, media
):
    url = give_photo(world.a.member)  # sitting, but 照片公开 not ticked
    resident = UserFactory(username="resident", is_staff=False)  # logged in, not staff
    assert status(client, None, url) == 404
    assert status(client, resident, url) == 404
    assert status(client, users.staff_b, url) == 404
    assert status(client, users.staff_a, url) == 200
    assert status(client, users.street, url) == 200
    assert status(client, users.superuser, url) == 200
    client.force_login(users.staff_a)
    response = client.get(url)
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == (media / url[7:]).read_bytes()


def test_a_portrait_is_public_only_while_the_committee_page_shows_it(world, client, media):
    member = world.a.member
    url = give_photo(member, photo_public=True)
    page = reverse("communities:detail", args=[world.a.community.pk])
    assert url in client.get(page).content.decode()
    assert client.get(url).status_code == 200
    # A new election: the old committee's portraits leave the public page, and so the public.
    ElectionFactory(
        community=world.a.community,
        seats=5,
        date=member.election.date.replace(year=member.election.date.year + 5),
    )
    assert url not in client.get(page).content.decode()
    assert client.get(url).status_code == 404


def test_a_meeting_photo_staff_mark_public_is_served_to_anyone(world, users, client, media):
    meeting = world.fund.meeting
    url = give_photo(meeting)
    assert status(client, None, url) == 404
    meeting.photo_public = True
    meeting.save()
    assert status(client, None, url) == 200
    assert client.get(url)["Cache-Control"] == "public, max-age=3600"
    page = reverse("fund:project", args=[meeting.project.pk])
    assert url in client.get(page).content.decode()


def test_public_pages_show_only_ticked_activity_photos(world, client, media):
    from orgs.models import ActivityPhoto

    activity = world.orgs.activity
    hidden = ActivityPhoto(activity=activity)
    shown = ActivityPhoto(activity=activity)
    hidden_url = give_photo(hidden, "image", "hidden.jpg")
    shown_url = give_photo(shown, "image", "shown.jpg", is_public=True)
    page = client.get(reverse("orgs:news")).content.decode()
    assert shown_url in page and hidden_url not in page
    assert client.get(shown_url).status_code == 200
    assert client.get(hidden_url).status_code == 404


def test_stored_names_are_random_and_the_original_name_is_not_found(world, users, client, media):
    url = give_photo(world.a.member, name="IMG_0001.JPG", photo_public=True)
    assert re.fullmatch(r"/media/committee/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", url), url
    for guess in (
        "/media/IMG_0001.jpg",
        "/media/IMG_0001.JPG",
        f"/media/committee/{world.a.community.pk}/IMG_0001.jpg",
        "/media/../settings.py",
        "/media/committee/",
    ):
        assert status(client, users.street, guess) == 404, guess


def test_x_accel_redirect_hands_the_file_to_nginx(world, users, client, media, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    url = give_photo(world.a.member)
    client.force_login(users.staff_a)
    response = client.get(url)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == "/protected-media/" + url[len("/media/") :]
    assert response["Content-Type"] == "image/jpeg"
    client.logout()
    assert "X-Accel-Redirect" not in client.get(url)  # a 404 hands nothing over


def test_object_storage_redirects_to_a_signed_link(
    world, users, client, media, settings, monkeypatch
):
    url = give_photo(world.a.member)
    settings.MEDIA_STORAGE = "s3"
    from jinhai import media as media_view

    monkeypatch.setattr(
        media_view.default_storage, "url", lambda name: f"https://bucket.example/{name}?sig=x"
    )
    client.force_login(users.staff_a)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"https://bucket.example/{url[7:]}?sig=x"
    client.force_login(users.staff_b)
    assert client.get(url).status_code == 404


def member_form(member, **extra):
    return {
        "election": member.election.pk,
        "name": member.name,
        "gender": "",
        "roles": [r.pk for r in member.roles.all()],
        "term_start": member.term_start.isoformat(),
        "term_end": "",
        "sort_order": "0",
        **extra,
    }


def test_replaced_and_cleared_files_are_removed(
    world, users, login, media, django_capture_on_commit_callbacks
):
    member = world.a.member
    change = reverse("admin:communities_committeemember_change", args=[member.pk])
    client = login(users.staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change, member_form(member, photo=upload(image_bytes(), "a.jpg")))
    assert response.status_code == 302, response.content.decode()[:2000]
    member.refresh_from_db()
    first = Path(member.photo.path)
    assert first.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change, member_form(member, photo=upload(image_bytes(), "b.jpg")))
    assert response.status_code == 302
    member.refresh_from_db()
    second = Path(member.photo.path)
    assert second.exists() and second != first
    assert not first.exists()  # replaced

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change, member_form(member, **{"photo-clear": "on"}))
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.photo
    assert not second.exists()  # cleared


def test_a_deleted_row_takes_its_file_along(world, media, django_capture_on_commit_callbacks):
    member = CommitteeMemberFactory(election=world.a.election, name="临时委员")
    give_photo(member)
    path = Path(member.photo.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        member.delete()
    assert not path.exists()
