"""Every admin and public URL, checked for every kind of user against the table below.

The table is kept by hand on purpose: a new model or URL that nobody thought about fails the
`test_every_url_is_in_the_table` test until someone decides who may reach it.

Users: anonymous, street staff (金海街道), community A staff (正学), community B staff (丰乐) and a
view-only street user. Objects are community A's, so community B staff must get 404 where a
model is scoped, the way a row of another community simply does not exist for them.
"""

import re

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from . import public_pages
from .test_uploads import image_bytes

USERS = ["anonymous", "street", "staff_a", "staff_b", "viewer", "household_a", "household_b"]
STAFF = ["street", "staff_a", "staff_b", "viewer"]
# Households (a household session, tests/conftest.py) are no staff: where a row below names only
# anonymous, they get what anonymous gets.
HOUSEHOLDS = ["household_a", "household_b"]
EVERYONE = {"street", "staff_a", "staff_b", "viewer"}
JINHAI_A = {"street", "staff_a", "viewer"}  # who reaches a row of community A

FULL = "vacd"
# model label -> (path to a sample object in the test world, who can reach it,
#                 {user: permissions}: v view, a add, c change, d delete, i import without
#                 change; a user left out has none)
MODELS = {
    "communities.subdistrict": ("subdistrict", EVERYONE, {"street": FULL, "staff_a": "v", "staff_b": "v", "viewer": "v"}),
    "communities.community": ("a.community", JINHAI_A, {"street": FULL, "staff_a": "vc", "staff_b": "vc", "viewer": "v"}),
    "communities.compound": ("a.compound", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "communities.buildinggroup": ("a.building_group", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "communities.streetzone": ("a.street_zone", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "communities.election": ("a.election", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "communities.committeemember": ("a.member", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    # Households and shops are places with history (accounts, pets): changed, never deleted.
    "communities.household": ("a.points.household.household", JINHAI_A, {"street": "vac", "staff_a": "vac", "staff_b": "vac", "viewer": "v"}),
    "communities.householdsession": ("a.household_session", JINHAI_A, {"street": "v", "staff_a": "v", "staff_b": "v", "viewer": "v"}),
    "communities.role": ("role", EVERYONE, {"street": "v", "staff_a": "v", "staff_b": "v", "viewer": "v"}),
    "volunteers.volunteer": ("a.volunteer", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    # A leader's term is ended, never deleted.
    "volunteers.appointment": ("a.appointment", JINHAI_A, {"street": "vac", "staff_a": "vac", "staff_b": "vac", "viewer": "v"}),
    "volunteers.training": ("a.training", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "volunteers.attendance": ("a.attendance", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "volunteers.activity": ("a.activity", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "volunteers.participation": ("a.participation", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "self_governance.agreementscheme": ("a.points.scheme", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    # Rules in use are versioned, not deleted; accounts with entries are history.
    "self_governance.rule": ("a.points.award", JINHAI_A, {"street": "vac", "staff_a": "vac", "staff_b": "vac", "viewer": "v"}),
    "self_governance.account": ("a.points.household", JINHAI_A, {"street": "vac", "staff_a": "vac", "staff_b": "vac", "viewer": "v"}),
    "self_governance.pet": ("a.points.pet", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "self_governance.reward": ("a.points.reward", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    # The ledger is append-only: entries and redemptions are added, never changed or deleted.
    # i: may import (the points import only adds entries).
    "self_governance.pointentry": ("a.points.entry", JINHAI_A, {"street": "vai", "staff_a": "vai", "staff_b": "vai", "viewer": "v"}),
    "self_governance.redemption": ("a.points.redemption", JINHAI_A, {"street": "va", "staff_a": "va", "staff_b": "va", "viewer": "v"}),
    "self_governance.monthlypoints": ("a.points.month", JINHAI_A, {"street": "v", "staff_a": "v", "staff_b": "v", "viewer": "v"}),
    # 自治金: a community's projects, meetings and payments; allocations are set by the street.
    "self_governance.fundallocation": ("fund.allocation", JINHAI_A, {"street": "vac", "staff_a": "v", "staff_b": "v", "viewer": "v"}),
    "self_governance.fundproject": ("fund.project", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "self_governance.projectmove": ("fund.move", JINHAI_A, {"street": "v", "staff_a": "v", "staff_b": "v", "viewer": "v"}),
    "self_governance.discussionmeeting": ("fund.meeting", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    # Households write opinions and sign-ups on 我的; staff moderate, record who came, or delete.
    "self_governance.opinion": ("fund.opinion", JINHAI_A, {"street": "vcd", "staff_a": "vcd", "staff_b": "vcd", "viewer": "v"}),
    "self_governance.meetingsignup": ("fund.meeting_signup", JINHAI_A, {"street": "vcd", "staff_a": "vcd", "staff_b": "vcd", "viewer": "v"}),
    "volunteers.activitysignup": ("fund.activity_signup", JINHAI_A, {"street": "vcd", "staff_a": "vcd", "staff_b": "vcd", "viewer": "v"}),
    "self_governance.expenditure": ("fund.expenditure", JINHAI_A, {"street": "vad", "staff_a": "va", "staff_b": "va", "viewer": "v"}),
    # The 和美 campaign is the street's (community staff read it); a community may also run a
    # campaign of its own, so community staff may add one. Its building groups take part.
    "self_governance.campaign": ("fund.campaign", EVERYONE, {"street": FULL, "staff_a": "va", "staff_b": "va", "viewer": "v"}),
    "self_governance.campaignstandard": ("fund.standard", EVERYONE, {"street": FULL, "staff_a": "va", "staff_b": "va", "viewer": "v"}),
    "self_governance.enrollment": ("fund.enrollment", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "self_governance.inspection": ("fund.inspection", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "self_governance.inspectionscore": ("fund.score", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "self_governance.rectification": ("fund.rectification", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "self_governance.contest": ("fund.contest", EVERYONE, {"street": FULL, "staff_a": "va", "staff_b": "va", "viewer": "v"}),
    "self_governance.contestentry": ("fund.entry", EVERYONE, {"street": FULL, "staff_a": "va", "staff_b": "va", "viewer": "v"}),
    "self_governance.contestround": ("fund.round", EVERYONE, {"street": FULL, "staff_a": "va", "staff_b": "va", "viewer": "v"}),
    "self_governance.roundscore": ("fund.round_score", EVERYONE, {"street": FULL, "staff_a": "va", "staff_b": "va", "viewer": "v"}),
    # Organizations, their inspections and reports belong to the street office: community
    # staff read their subdistrict's; stations and activities belong to a community.
    "orgs.servicefield": ("service_field", EVERYONE, {"street": FULL, "staff_a": "v", "staff_b": "v", "viewer": "v"}),
    "orgs.socialorganization": ("orgs.service", EVERYONE, {"street": FULL, "staff_a": "v", "staff_b": "v", "viewer": "v"}),
    "orgs.annualinspection": ("orgs.inspection", EVERYONE, {"street": FULL, "staff_a": "v", "staff_b": "v", "viewer": "v"}),
    "orgs.inforeport": ("orgs.report", EVERYONE, {"street": FULL, "staff_a": "v", "staff_b": "v", "viewer": "v"}),
    "orgs.publicwelfareactivity": ("orgs.activity", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    "orgs.socialworkstation": ("orgs.station_a", JINHAI_A, {"street": FULL, "staff_a": FULL, "staff_b": FULL, "viewer": "v"}),
    # Each staff user reads their own import records; only system administrators more.
    "jinhai.importlog": ("import_log", {"street"}, {"street": "v", "staff_a": "v", "staff_b": "v", "viewer": "v"}),
    # Each staff user reads their own background jobs; the queue's own rows are the system
    # administrator's.
    "jinhai.job": ("job", {"street"}, {"street": "v", "staff_a": "v", "staff_b": "v", "viewer": "v"}),
    "django_tasks_database.dbtaskresult": ("task_result", EVERYONE, {}),
    # Accounts, login records and the audit log are a system administrator's business.
    "auth.user": ("user_street", EVERYONE, {}),
    "auth.group": ("group", EVERYONE, {}),
    "axes.accessattempt": ("access_attempt", EVERYONE, {}),
    "axes.accesslog": ("access_log", EVERYONE, {}),
    "axes.accessfailurelog": ("access_failure", EVERYONE, {}),
    "auditlog.logentry": ("audit_entry", EVERYONE, {}),
    # 查阅记录: who looked at personal data, for the street office's oversight (jinhai.admin_audit).
    "jinhai.accessrecord": ("access_record", {"street"}, {"street": "v"}),
    "otp_totp.totpdevice": ("totp_device", EVERYONE, {}),
}  # fmt: skip

# URLs that are not one of a model's standard admin pages: {name: {user: status}}.
STAFF_OK = dict.fromkeys(STAFF, 200) | {"anonymous": 302}
PUBLIC = dict.fromkeys(USERS, 200)
EXTRA = {
    "admin:index": STAFF_OK,
    "workbench": STAFF_OK,  # the same address as admin:index: 待办 above the models (each user's
    # own work: tests/test_todo.py)
    "admin:app_list": {"anonymous": 302, "street": 200, "staff_a": 200, "staff_b": 200, "viewer": 200},
    "admin:login": {"anonymous": 200, "street": 302, "staff_a": 302, "staff_b": 302, "viewer": 302},
    "admin:logout": {"anonymous": 302, **dict.fromkeys(STAFF, 405)},  # POST only
    "admin:password_change": STAFF_OK,
    "admin:auth_user_password_change": {"anonymous": 302, **dict.fromkeys(STAFF, 403)},
    "admin:otp_totp_totpdevice_config": {"anonymous": 302, **dict.fromkeys(STAFF, 403)},
    "admin:otp_totp_totpdevice_qrcode": {"anonymous": 302, **dict.fromkeys(STAFF, 403)},
    "admin:password_change_done": STAFF_OK,
    "admin:jsi18n": STAFF_OK,
    "admin:autocomplete": {"anonymous": 302, **dict.fromkeys(STAFF, 403)},  # needs its parameters
    "admin:view_on_site": {"anonymous": 302, **dict.fromkeys(STAFF, 404)},
    "admin:volunteers_dashboard": STAFF_OK,
    "dashboard": STAFF_OK,  # each user's own communities (tests/test_figures.py)
    # Backups and purges are started by system administrators only (tests/test_jobs.py).
    "admin:jinhai_job_backup": {"anonymous": 302, **dict.fromkeys(STAFF, 403)},
    "admin:jinhai_job_purge": {"anonymous": 302, **dict.fromkeys(STAFF, 403)},
    # A job is its starter's alone; this one has no file yet.
    "admin:jinhai_job_status": {"anonymous": 302, "street": 200, "staff_a": 404, "staff_b": 404, "viewer": 404},
    "admin:jinhai_job_download": {"anonymous": 302, **dict.fromkeys(STAFF, 404)},
    "figures": PUBLIC,
    "admin:volunteers_activity_participants": {"anonymous": 302, "street": 200, "staff_a": 200, "staff_b": 404, "viewer": 403},
    # Bulk screens (volunteers/bulk.py and the grids): the sample is community A's.
    "admin:volunteers_training_attendance": {"anonymous": 302, "street": 200, "staff_a": 200, "staff_b": 404, "viewer": 403},
    "admin:self_governance_fundallocation_year": {"anonymous": 302, "street": 200, "staff_a": 403, "staff_b": 403, "viewer": 403},
    "admin:self_governance_inspection_grid": {"anonymous": 302, "street": 200, "staff_a": 200, "staff_b": 200, "viewer": 403},
    # 更换楼组长/街面长: the page that asks for the unit (tests/test_staff_changes.py: a unit of
    # another community is a 404).
    "admin:volunteers_appointment_replace": {"anonymous": 302, "street": 200, "staff_a": 200, "staff_b": 200, "viewer": 403},
    "admin:orgs_inspection_year": STAFF_OK,
    "admin:self_governance_rectification_overdue": STAFF_OK,
    "admin:self_governance_fundproject_move": {"anonymous": 302, "street": 200, "staff_a": 200, "staff_b": 404, "viewer": 403},
    "admin:self_governance_contest_results": {"anonymous": 302, "street": 200, "staff_a": 403, "staff_b": 403, "viewer": 403},
    # Every public page, from the one list the page tests share (tests/public_pages.py).
    **dict.fromkeys(public_pages.PAGES, PUBLIC),
    "healthz": PUBLIC,  # the load balancer's check (jinhai.views.healthz)
    "search": PUBLIC,  # /search/?q= (tests/test_search.py)
    # The station map's markers of one subdistrict (JSON), and a station's address, sent on to
    # its row in the list (tests/test_orgs.py).
    "orgs:station_markers": PUBLIC,
    "orgs:station": dict.fromkeys(USERS, 302),
    # An upload: community A's committee member's portrait, not ticked 公开展示 (tests/test_media.py).
    "media": {"anonymous": 404, "street": 200, "staff_a": 200, "staff_b": 404, "viewer": 200},
    # 我的: the claim form for whoever has no household session, the household's own page for
    # a household (tests/test_residents.py); its writes are POSTs (404 without a session).
    "residents:my": PUBLIC,
    "residents:claim": PUBLIC,
    "residents:logout": dict.fromkeys(USERS, 405),
    "residents:pet_add": dict.fromkeys(USERS, 405),
    "residents:pet_change": dict.fromkeys(USERS, 405),
    # 居民提议 and 附议 (tests/test_proposals.py): the form for a household only, the writes POSTs.
    "residents:proposal_new": {**dict.fromkeys(USERS, 404), **dict.fromkeys(HOUSEHOLDS, 200)},
    "residents:support": dict.fromkeys(USERS, 405),
    "residents:support_withdraw": dict.fromkeys(USERS, 405),
    # 参与议事 (tests/test_participation.py): a household's page, or the claim form (public pages
    # link here); opinions and sign-ups are POSTs.
    "residents:take_part": PUBLIC,
    "residents:opinion": dict.fromkeys(USERS, 405),
    "residents:meeting_signup": dict.fromkeys(USERS, 405),
    "residents:meeting_cancel": dict.fromkeys(USERS, 405),
    "residents:activity_signup": dict.fromkeys(USERS, 405),
    "residents:activity_cancel": dict.fromkeys(USERS, 405),
    # 审核提议: community A's project (no proposal: the page says so).
    "admin:self_governance_fundproject_review": {"anonymous": 302, "street": 200, "staff_a": 200, "staff_b": 404, "viewer": 403},
}  # fmt: skip


# Arguments for the URLs above that take some.
def extra_args(world, users):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    pages = {name: public_pages.args(name, world) for name in public_pages.PAGES}
    if not world.a.member.photo:
        world.a.member.photo.save("IMG_0001.jpg", ContentFile(image_bytes()))
    return pages | {
        "media": [world.a.member.photo.name],
        "orgs:station_markers": [world.subdistrict.pk],
        "orgs:station": [world.orgs.station_a.pk],
        "admin:auth_user_password_change": [users.street.pk],
        "admin:otp_totp_totpdevice_config": [TOTPDevice.objects.first().pk],
        "admin:otp_totp_totpdevice_qrcode": [TOTPDevice.objects.first().pk],
        "admin:app_list": ["communities"],
        "admin:view_on_site": [0, 0],
        "admin:volunteers_activity_participants": [world.a.activity.pk],
        "admin:volunteers_training_attendance": [world.a.training.pk],
        "admin:self_governance_fundproject_move": [world.fund.project.pk],
        "admin:self_governance_fundproject_review": [world.fund.project.pk],
        "residents:support": [world.fund.project.pk],
        "residents:support_withdraw": [world.fund.project.pk],
        "residents:opinion": [world.fund.project.pk],
        "residents:meeting_signup": [world.fund.coming.pk],
        "residents:meeting_cancel": [world.fund.coming.pk],
        "residents:activity_signup": [world.fund.coming_activity.pk],
        "residents:activity_cancel": [world.fund.coming_activity.pk],
        "admin:self_governance_contest_results": [world.fund.contest.pk],
        "admin:jinhai_job_status": [users.job.pk],
        "admin:jinhai_job_download": [users.job.pk],
        "residents:pet_change": [world.a.points.household.household.pets.first().pk],
    }


STANDARD = re.compile(
    r"^admin:(?P<app>[a-z_]+?)_(?P<model>[a-z]+)_(?P<view>changelist|add|change|delete|history|"
    r"import|export|process_import|import_template|import_errors)$"
)


def url_names():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                namespace = f"{pattern.namespace}:" if pattern.namespace else ""
                yield from walk(pattern.url_patterns, prefix + namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield prefix + pattern.name

    return sorted(set(walk(get_resolver().url_patterns)))


def label_of(model):
    return f"{model._meta.app_label}.{model._meta.model_name}"


def test_every_url_is_in_the_table():
    registered = {label_of(m) for m in admin.site._registry}
    assert registered == set(MODELS), (
        f"admin models missing from MODELS: {sorted(registered - set(MODELS))}; "
        f"in MODELS but not registered: {sorted(set(MODELS) - registered)}"
    )
    for name in url_names():
        match = STANDARD.match(name)
        if match and f"{match['app']}.{match['model']}" in MODELS:
            continue
        assert name in EXTRA, f"{name} has no row in the permission table"


def sample(world, users, path):
    from auditlog.models import LogEntry
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_tasks_db.models import DBTaskResult

    from communities.models import Role
    from jinhai.models import ImportLog
    from orgs.models import ServiceField
    from self_governance.agreements.models import MonthlyPoints, Redemption
    from self_governance.fund.models import ProjectMove

    special = {
        "role": lambda: Role.objects.first(),
        "import_log": lambda: ImportLog.objects.get(user=users.street),
        "job": lambda: users.job,
        "task_result": lambda: DBTaskResult.objects.first(),
        "user_street": lambda: users.street,
        "group": lambda: Group.objects.first(),
        "access_attempt": lambda: AccessAttempt.objects.first(),
        "access_log": lambda: AccessLog.objects.first(),
        "access_failure": lambda: AccessFailureLog.objects.first(),
        "audit_entry": lambda: LogEntry.objects.first(),
        "access_record": lambda: LogEntry.objects.filter(action=LogEntry.Action.ACCESS).first(),
        "totp_device": lambda: TOTPDevice.objects.first(),
        "a.points.redemption": lambda: Redemption.objects.get(account=world.a.points.household),
        "a.points.month": lambda: MonthlyPoints.objects.filter(
            account=world.a.points.household
        ).first(),
        "a.points.pet": lambda: world.a.points.household.household.pets.first(),
        "service_field": lambda: ServiceField.objects.first(),
        "fund.move": lambda: ProjectMove.objects.filter(project=world.fund.project).first(),
        "a.household_session": lambda: _household_session(world),
    }
    if path in special:
        return special[path]()
    obj = world
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _household_session(world):
    from communities import codes
    from communities.models import HouseholdSession

    household = world.a.points.household.household
    if not HouseholdSession.objects.filter(household=household).exists():
        codes.session_open(household=household)
    return HouseholdSession.objects.filter(household=household).first()


def expected(label, view, user, world):
    path, reach, perms_by_user = MODELS[label]
    if user == "anonymous" or user in HOUSEHOLDS:
        return 302
    perms = perms_by_user.get(user, "")
    model_admin = next(a for m, a in admin.site._registry.items() if label_of(m) == label)
    if view == "changelist":
        return 200 if "v" in perms else 403
    if view == "add":
        return 200 if "a" in perms else 403
    if view in ("change", "history"):
        if user not in reach and "v" in perms:
            return 404
        return 200 if "v" in perms else 403
    if view == "delete":
        if user not in reach:
            return 404 if "v" in perms else 403
        return 200 if "d" in perms else 403
    if view == "export":
        return 200 if "v" in perms else 403
    may_import = "i" in perms or {"a", "c"} <= set(perms)
    if view in ("import", "import_template", "import_errors"):
        return 200 if may_import else 403
    if view == "process_import":
        return 405  # confirming an import is a POST; the permission is checked then
    raise AssertionError(f"no rule for {label} {view} ({model_admin})")


def cases():
    for name in url_names():
        match = STANDARD.match(name)
        if match and f"{match['app']}.{match['model']}" in MODELS or name in EXTRA:
            yield name


@pytest.mark.parametrize("user", USERS)
def test_permission_matrix(world, users, households, client, user, caplog):
    from .conftest import household_client

    if user in HOUSEHOLDS:
        household_client(client, getattr(households, user.removeprefix("household_")))
    elif user != "anonymous":
        client.force_login(getattr(users, user))
    args = extra_args(world, users)
    failures = []
    for name in cases():
        match = STANDARD.match(name)
        if match and f"{match['app']}.{match['model']}" in MODELS:
            label = f"{match['app']}.{match['model']}"
            view = match["view"]
            want = expected(label, view, user, world)
            obj_args = []
            if view in ("change", "delete", "history"):
                obj_args = [sample(world, users, MODELS[label][0]).pk]
            url = reverse(name, args=obj_args)
        else:
            row = EXTRA[name]
            want = row[user] if user in row else row["anonymous"]
            url = reverse(name, args=args.get(name, []))
        got = client.get(url).status_code
        if got != want:
            failures.append(f"{url} ({name}): {got}, expected {want}")
    assert not failures, f"{user}:\n" + "\n".join(failures)
