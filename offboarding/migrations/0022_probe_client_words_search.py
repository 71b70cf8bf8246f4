import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

from offboarding.migration_operations import AddPostgresIndexConcurrently


class Migration(migrations.Migration):
    """A GIN index on the text search vector of the probe step's "in the client's own words".

    "What clients said" matches its search against it (feedback/selectors/client_words.py).
    Built without locking the step table; PostgreSQL only (SQLite has no such index).
    """

    atomic = False

    dependencies = [("offboarding", "0021_followup_outbox_order")]

    operations = [
        AddPostgresIndexConcurrently(
            model_name="probestep",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.search.SearchVector("client_words", config="simple"),
                name="probe_client_words_search",
            ),
        ),
    ]
