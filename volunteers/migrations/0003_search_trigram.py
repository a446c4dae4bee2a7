"""Trigram indexes for the public search's substring match (PostgreSQL only; see
jinhai.db.TrigramIndex)."""

from django.db import migrations

from jinhai.db import TrigramIndex


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0002_alter_volunteer_photo")]

    operations = [
        TrigramIndex("volunteer", "name", name="volunteer_name_trgm"),
    ]
