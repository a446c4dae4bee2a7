"""The ledger trigger: the database moves an account's balance and monthly figure with every
inserted entry (see migration 0002).

SQLite rebuilds a table to alter one of its columns, and a rebuild drops the table's triggers; so
the trigger is (re)created after every `migrate` as well, idempotently, by `ensure()`.
"""

# One run per INSERT statement, not per row: the transition table `new_entries` holds every row
# the statement inserted, so a 100,000-row COPY moves each account's balance and each month's
# figure once (grouped), instead of 100,000 single-row UPDATEs and upserts. Grouping first also
# keeps ON CONFLICT from touching the same monthly row twice in one statement, which PostgreSQL
# refuses. The trigger is dropped and re-created because a row-level trigger cannot be replaced
# by a statement-level one with CREATE OR REPLACE.
POSTGRES = """
CREATE OR REPLACE FUNCTION self_governance_keep_balance() RETURNS trigger AS $$
BEGIN
    UPDATE self_governance_account a SET balance = a.balance + n.total
    FROM (SELECT account_id, sum(points) AS total FROM new_entries GROUP BY account_id) n
    WHERE a.id = n.account_id;
    INSERT INTO self_governance_monthlypoints (account_id, scheme_id, month, points)
    SELECT e.account_id, a.scheme_id, date_trunc('month', e.date)::date, sum(e.points)
    FROM new_entries e JOIN self_governance_account a ON a.id = e.account_id
    WHERE e.kind <> 'redemption'
    GROUP BY e.account_id, a.scheme_id, date_trunc('month', e.date)::date
    ON CONFLICT (account_id, month)
    DO UPDATE SET points = self_governance_monthlypoints.points + EXCLUDED.points;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS point_entry_keeps_balance ON self_governance_pointentry;
CREATE TRIGGER point_entry_keeps_balance
    AFTER INSERT ON self_governance_pointentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION self_governance_keep_balance();
"""
SQLITE = """
CREATE TRIGGER IF NOT EXISTS point_entry_keeps_balance AFTER INSERT ON self_governance_pointentry
BEGIN
    UPDATE self_governance_account SET balance = balance + NEW.points WHERE id = NEW.account_id;
    INSERT INTO self_governance_monthlypoints (account_id, scheme_id, month, points)
    SELECT NEW.account_id, a.scheme_id, strftime('%Y-%m-01', NEW.date), NEW.points
    FROM self_governance_account a
    WHERE a.id = NEW.account_id AND NEW.kind <> 'redemption'
    ON CONFLICT (account_id, month) DO UPDATE SET points = points + excluded.points;
END;
"""
DROP = {
    "postgresql": """
        DROP TRIGGER IF EXISTS point_entry_keeps_balance ON self_governance_pointentry;
        DROP FUNCTION IF EXISTS self_governance_keep_balance();
    """,
    "sqlite": "DROP TRIGGER IF EXISTS point_entry_keeps_balance;",
}


def ensure(connection) -> None:
    sql = {"postgresql": POSTGRES, "sqlite": SQLITE}.get(connection.vendor)
    if sql is None:
        raise NotImplementedError(f"no ledger trigger for {connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute(sql)


def ensure_after_migrate(sender, app_config=None, using="default", **kwargs):
    from django.db import connections

    if app_config is not None and app_config.label == "self_governance":
        ensure(connections[using])


def drop(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute(DROP[connection.vendor])


def drop_operation(apps, schema_editor):
    """For a migration that rebuilds the account table: SQLite refuses to rebuild a table that
    another table's trigger names, so the trigger goes first; `ensure_operation` brings it back."""
    drop(schema_editor.connection)


def ensure_operation(apps, schema_editor):
    ensure(schema_editor.connection)
