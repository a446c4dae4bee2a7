"""换届 through the admin's import page, as staff do it: the leaders' import offers the roster and
its renewal; the renewal's preview says who leaves and who starts, its confirm ends the old
terms, and a preview of one variant cannot be confirmed as the other."""

import datetime
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from volunteers.models import Appointment

from .sheets import csv_bytes

IMPORT = "admin:volunteers_appointment_import"
CONFIRM = "admin:volunteers_appointment_process_import"
HEADER = ["社区", "类型", "姓名", "手机号", "小区", "楼组", "街面", "推选日期"]
RENEWAL = "1"


def roster(world, community="正学社区", compound="正学苑", group="1号楼"):
    return csv_bytes(
        [
            HEADER,
            [community, "楼组长", "陈新", "13900003333", compound, group, "", "2026-07-15"],
            [
                "正学社区",
                "街面长",
                "正学街面长",
                world.a.street_leader.mobile,
                "",
                "",
                world.a.street_zone.name,
                "2026-07-15",
            ],
        ]
    )


def preview(client, data, resource=RENEWAL):
    return client.post(
        reverse(IMPORT),
        {"format": "0", "resource": resource, "import_file": SimpleUploadedFile("换届.csv", data)},
    )


def confirm(client, response, **override):
    form = response.context["confirm_form"]
    return client.post(reverse(CONFIRM), {**{n: form.initial[n] for n in form.fields}, **override})


def terms():
    return list(Appointment.objects.order_by("pk").values_list("pk", "end", "volunteer_id"))


def test_the_import_page_offers_the_roster_and_its_renewal(world, users, login):
    page = login(users.staff_a).get(reverse(IMPORT))
    assert page.status_code == 200
    body = page.content.decode()
    assert "两长名册" in body and "两长换届名册(替换原名册)" in body
    assert "任期在推选日期结束" in body  # what a renewal does, before anyone uploads
    assert reverse("admin:volunteers_appointment_import_template") + "?resource=1" in body


def test_the_renewal_template_asks_for_the_election_date(world, users, login):
    client = login(users.staff_a)
    response = client.get(reverse("admin:volunteers_appointment_import_template") + "?resource=1")
    assert response.status_code == 200
    assert "%E6%8D%A2%E5%B1%8A" in response["Content-Disposition"]  # 换届 in the file name
    headers = [
        c.value for c in openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0][1]
    ]
    assert "推选日期" in headers


def test_community_staff_renew_their_roster_in_two_steps(world, users, login):
    client = login(users.staff_a)
    before = terms()
    response = preview(client, roster(world))
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 人离任" in body and "1 人新任" in body and "正学楼组长" in body
    assert terms() == before  # the preview writes nothing
    done = confirm(client, response)
    assert done.status_code == 302
    world.a.appointment.refresh_from_db()
    assert world.a.appointment.end == datetime.date(2026, 7, 15)
    assert (
        Appointment.objects.current().get(building_group=world.a.building_group).volunteer.name
        == "陈新"
    )
    assert Appointment.objects.current().filter(volunteer__community=world.b.community).count() == 2


def test_a_renewal_preview_cannot_be_confirmed_as_the_plain_roster(world, users, login):
    client = login(users.staff_a)
    response = preview(client, roster(world))
    before = terms()
    refused = confirm(client, response, resource="0")
    assert refused.status_code == 200 and "重新上传" in refused.content.decode()
    assert terms() == before
    # An index no variant has is the first variant, which the signature then refuses: no 500.
    assert confirm(client, response, resource="99").status_code == 200
    assert terms() == before


def test_a_renewal_naming_another_community_writes_nothing(world, users, login):
    client = login(users.staff_a)
    before = terms()
    response = preview(client, roster(world, community="丰乐社区", compound="丰乐苑"))
    body = response.content.decode()
    assert response.status_code == 200 and "未导入任何数据" in body
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert terms() == before


def test_the_export_is_the_roster_only(world, users, login):
    page = login(users.street).get(reverse("admin:volunteers_appointment_export"))
    assert page.status_code == 200
    assert "换届" not in page.content.decode()
