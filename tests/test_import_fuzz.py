"""Random cell values thrown at every import resource: never an exception, never a partial write."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jinhai.imports.base import resource_registry
from jinhai.imports.formats import SheetFormat
from jinhai.imports.reading import SheetError

from .sheets import csv_bytes

RESOURCES = sorted(resource_registry())

cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["正学社区", "正学苑", "1号楼", "丰乐社区", "楼组长", "街面长", "是", "否", "G01"]
    ),
    st.sampled_from(["13812345678", "+86 138 1234 5678", "2022-07-15", "2022年7月15日", "1,200元"]),
    st.sampled_from(["=1+1", '=HYPERLINK("http://x")', "", " ", "一千二", "-5", "99999999999"]),
    st.integers(-(10**6), 10**6).map(str),
)


def counts():
    from django.apps import apps

    return {
        model._meta.label: model._default_manager.count()
        for label in ("communities", "volunteers", "self_governance", "orgs")
        for model in apps.get_app_config(label).get_models()
    }


@pytest.mark.parametrize("key", RESOURCES)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_cells_never_break_an_import(world, users, key, data):
    resource_class = resource_registry()[key]
    headers = resource_class.template_headers()
    rows = data.draw(
        st.lists(
            st.lists(cell, min_size=len(headers), max_size=len(headers)), min_size=1, max_size=6
        )
    )
    payload = csv_bytes(
        [headers] + [[c.replace(",", "，").replace("\n", " ") for c in row] for row in rows]
    )
    with transaction.atomic():
        before = counts()
        try:
            dataset = SheetFormat.for_resource(resource_class)().create_dataset(payload)
        except SheetError:
            # The file as a whole is refused (only blank rows, say): a message, nothing written.
            assert counts() == before
            transaction.set_rollback(True)
            return
        user = data.draw(st.sampled_from([users.street, users.staff_a]))
        result = resource_class(user=user).import_data(
            dataset,
            dry_run=False,
            rollback_on_validation_errors=True,
            file_name="fuzz.csv",
            user=user,
        )
        if result.has_errors() or result.has_validation_errors():
            assert counts() == before
            assert result.error_items or result.base_errors
        transaction.set_rollback(True)
