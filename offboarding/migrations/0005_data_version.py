"""The data version that keyed the page cache, on PostgreSQL only; 0007 drops it with the page cache.

Every committed transaction that wrote to a table the pages read adds one to
a counter; a cached page is filed under the sum of the counters, so a page
rendered before a change can never be served after it. The counting:

- a statement trigger on each of those tables (installed after every migrate
  by the page cache itself, so new tables got one too) records, once per
  transaction, a row in offboarding_data_change;
- a deferred constraint trigger on that table adds one to a counter when the
  transaction commits, in the same commit as the data, and deletes the row.

Taking the counter's row lock only at commit keeps writers from queuing
behind each other for the length of their transactions and from deadlocking
on it; sixteen counters (one per backend process modulo 16) keep concurrent
commits apart. SQLite (`make run`) gets none of this and pages are not cached.
"""

from django.db import migrations

# Sixteen counters, 0 to 15: one per backend process modulo 16.
CREATE = """
CREATE TABLE offboarding_data_version (
    shard smallint PRIMARY KEY,
    version bigint NOT NULL DEFAULT 0
);
INSERT INTO offboarding_data_version (shard) SELECT generate_series(0, 15);

CREATE TABLE offboarding_data_change (id bigserial PRIMARY KEY);

CREATE FUNCTION offboarding_note_data_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('offboarding.data_changed', true) IS DISTINCT FROM 'on' THEN
        PERFORM set_config('offboarding.data_changed', 'on', true);
        INSERT INTO offboarding_data_change DEFAULT VALUES;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION offboarding_count_data_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE offboarding_data_version SET version = version + 1 WHERE shard = pg_backend_pid() % 16;
    DELETE FROM offboarding_data_change WHERE id = NEW.id;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER offboarding_count_data_change
    AFTER INSERT ON offboarding_data_change
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION offboarding_count_data_change();
"""

DROP = """
DROP TABLE offboarding_data_change;
DROP TABLE offboarding_data_version;
DROP FUNCTION offboarding_count_data_change();
DROP FUNCTION offboarding_note_data_change() CASCADE;
"""


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # None: the % in the SQL is not a placeholder


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("offboarding", "0004_step_dashboard_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
