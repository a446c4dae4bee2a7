"""The database keeps every account's balance and monthly figure as entries are inserted.

A trigger on the ledger table moves `balance` and upserts `MonthlyPoints` in the same statement
as the INSERT, whatever inserted the row (the services, an import's COPY, a bulk load). The CHECK
(balance >= 0) on the account then refuses an entry that would overdraw it, atomically with it.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION self_governance_keep_balance() RETURNS trigger AS $$
DECLARE
    account_scheme bigint;
BEGIN
    UPDATE self_governance_account SET balance = balance + NEW.points
    WHERE id = NEW.account_id RETURNING scheme_id INTO account_scheme;
    IF NEW.kind <> 'redemption' THEN
        INSERT INTO self_governance_monthlypoints (account_id, scheme_id, month, points)
        VALUES (NEW.account_id, account_scheme, date_trunc('month', NEW.date)::date, NEW.points)
        ON CONFLICT (account_id, month)
        DO UPDATE SET points = self_governance_monthlypoints.points + EXCLUDED.points;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER point_entry_keeps_balance
    AFTER INSERT ON self_governance_pointentry
    FOR EACH ROW EXECUTE FUNCTION self_governance_keep_balance();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS point_entry_keeps_balance ON self_governance_pointentry;
DROP FUNCTION IF EXISTS self_governance_keep_balance();
"""
SQLITE_UP = """
CREATE TRIGGER point_entry_keeps_balance AFTER INSERT ON self_governance_pointentry
BEGIN
    UPDATE self_governance_account SET balance = balance + NEW.points WHERE id = NEW.account_id;
    INSERT INTO self_governance_monthlypoints (account_id, scheme_id, month, points)
    SELECT NEW.account_id, a.scheme_id, strftime('%Y-%m-01', NEW.date), NEW.points
    FROM self_governance_account a
    WHERE a.id = NEW.account_id AND NEW.kind <> 'redemption'
    ON CONFLICT (account_id, month) DO UPDATE SET points = points + excluded.points;
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS point_entry_keeps_balance;"


def forwards(apps, schema_editor):
    sql = {"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}[schema_editor.connection.vendor]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def backwards(apps, schema_editor):
    sql = {"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}[schema_editor.connection.vendor]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("self_governance", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
