"""What Django's admin writes in English whatever the language, put right in one place each
(jinhai/admin.py, templates/admin/): the yes/no icons, the search icon, the many-to-many link
rows on a delete page, an import's code name. The browser walk (test_browser_chinese.py) reads
every page; these pin down each fix on its own."""

from django.urls import reverse


def test_yes_no_icons_say_so_in_chinese(world, users, login):
    page = login(users.staff_a).get(reverse("admin:volunteers_attendance_changelist"))
    html = page.content.decode()
    assert 'icon-yes.svg" alt="是"' in html
    assert 'alt="True"' not in html and 'alt="False"' not in html


def test_search_icon_says_search_in_chinese(world, users, login):
    page = login(users.staff_a).get(reverse("admin:volunteers_volunteer_changelist"))
    assert 'search.svg" alt="搜索"' in page.content.decode()


def test_delete_page_lists_records_not_link_rows(world, users, login):
    member = world.a.member
    assert member.roles.exists()
    client = login(users.street)
    page = client.get(reverse("admin:communities_committeemember_delete", args=[member.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "relationship" not in html and "object (" not in html
    assert member.name in html
    # The links still go with the row.
    assert client.post(page.request["PATH_INFO"], {"post": "yes"}).status_code == 302
    assert not member.roles.through.objects.filter(committeemember_id=member.pk).exists()


def test_import_log_names_the_import(world, users, login):
    page = login(users.street).get(reverse("admin:jinhai_importlog_changelist"))
    html = page.content.decode()
    assert "小区楼组" in html and ">places<" not in html
