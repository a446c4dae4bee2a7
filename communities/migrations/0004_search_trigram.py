"""Trigram indexes for the public search's substring match (PostgreSQL only; see
jinhai.db.TrigramIndex)."""

from django.db import migrations

from jinhai.db import TrigramIndex


class Migration(migrations.Migration):
    dependencies = [("communities", "0003_alter_committeemember_photo")]

    operations = [
        TrigramIndex("community", "name", name="community_name_trgm"),
        TrigramIndex("compound", "name", name="compound_name_trgm"),
    ]
