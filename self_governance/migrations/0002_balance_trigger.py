"""The database keeps every account's balance and monthly figure as entries are inserted.

A trigger on the ledger table moves `balance` and upserts `MonthlyPoints` in the same statement
as the INSERT, whatever inserted the row (the services, an import's COPY, a bulk load). The CHECK
(balance >= 0) on the account then refuses an entry that would overdraw it, atomically with it.
The SQL lives in self_governance/triggers.py, which also re-creates the trigger after every
migrate (SQLite drops triggers when it rebuilds a table).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from self_governance.agreements import triggers

    triggers.ensure(schema_editor.connection)


def backwards(apps, schema_editor):
    from self_governance.agreements import triggers

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(triggers.DROP[schema_editor.connection.vendor])


class Migration(migrations.Migration):
    dependencies = [("self_governance", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
