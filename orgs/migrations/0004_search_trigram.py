"""Trigram indexes for the public search's substring match (PostgreSQL only; see
jinhai.db.TrigramIndex)."""

from django.db import migrations

from jinhai.db import TrigramIndex


class Migration(migrations.Migration):
    dependencies = [("orgs", "0003_alter_activityphoto_image_alter_reportphoto_image")]

    operations = [
        TrigramIndex("socialorganization", "name", name="organization_name_trgm"),
        TrigramIndex("socialworkstation", "name", name="station_name_trgm"),
    ]
