"""Every admin page opens (change list, search, add, change, history) for every model."""

import pytest
from django.contrib import admin
from django.urls import reverse

MODELS = sorted(
    (m for m in admin.site._registry), key=lambda m: (m._meta.app_label, m._meta.model_name)
)


def _ids(model):
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _urls(model):
    meta = model._meta
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"the test world has no {_ids(model)}: add one to tests/conftest.py"
    base = f"admin:{meta.app_label}_{meta.model_name}"
    return obj, {
        "changelist": reverse(f"{base}_changelist"),
        "search": reverse(f"{base}_changelist") + "?q=正学",
        "add": reverse(f"{base}_add"),
        "change": reverse(f"{base}_change", args=[obj.pk]),
        "history": reverse(f"{base}_history", args=[obj.pk]),
    }


@pytest.mark.parametrize("model", MODELS, ids=_ids)
def test_admin_pages_open_for_superuser(world, users, login, model):
    client = login(users.superuser)
    obj, urls = _urls(model)
    model_admin = admin.site._registry[model]
    for name, address in urls.items():
        response = client.get(address)
        if name == "add" and not model_admin.has_add_permission(_request(users.superuser)):
            assert response.status_code == 403, address
            continue
        assert response.status_code == 200, f"{address}: {response.status_code}"


@pytest.mark.parametrize("model", MODELS, ids=_ids)
def test_admin_changelist_opens_for_street_staff(world, users, login, model):
    client = login(users.street)
    model_admin = admin.site._registry[model]
    _, urls = _urls(model)
    expected = 200 if model_admin.has_view_permission(_request(users.street)) else 403
    assert client.get(urls["changelist"]).status_code == expected


def test_admin_index_opens_for_each_staff_user(world, users, login):
    for user in (users.street, users.staff_a, users.staff_b, users.viewer):
        response = login(user).get(reverse("admin:index"))
        assert response.status_code == 200
        assert "社区(居委会)" in response.content.decode()


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request
