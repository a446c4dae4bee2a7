"""Trigram indexes for the public search's substring match (PostgreSQL only; see
jinhai.db.TrigramIndex)."""

from django.db import migrations

from jinhai.db import TrigramIndex


class Migration(migrations.Migration):
    dependencies = [("self_governance", "0004_alter_discussionmeeting_photo_and_more")]

    operations = [
        TrigramIndex("fundproject", "title", name="fund_project_title_trgm"),
    ]
