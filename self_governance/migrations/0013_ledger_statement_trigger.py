"""The ledger trigger runs once per INSERT statement on PostgreSQL (transition table), so a bulk
import moves each account's balance once instead of once per row. SQLite keeps its row trigger
(it has no statement-level triggers); `ensure` re-creates whichever the database takes.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from self_governance.agreements import triggers

    triggers.ensure(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("self_governance", "0012_proposals_and_supports")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
