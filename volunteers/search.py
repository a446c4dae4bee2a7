"""What the public search finds in this app: the current 楼组长 and 街面长, by name, with their
unit and a link to their community's leaders page. Never a phone number, not even masked: the
leaders page shows the masked one next to the name."""

from django.urls import reverse

from jinhai.search import Hit, Kind

from .models import Appointment, LeaderKind


def _leader(appointment):
    volunteer = appointment.volunteer
    url = reverse("volunteers:community", args=[volunteer.community_id])
    if appointment.kind == LeaderKind.BUILDING:
        group = appointment.building_group
        unit, anchor = f"{group.compound.name} {group.name}", "#groups-heading"
    else:
        unit, anchor = appointment.street_zone.name, "#street-heading"
    return Hit(
        name=volunteer.name,
        url=url + anchor,
        detail=f"{volunteer.community.name} · {unit} {appointment.get_kind_display()}",
    )


KINDS = [
    Kind(
        key="leaders",
        title="楼组长与街面长",
        order=30,
        # The same rows as the leaders page: appointments in force, by the person's community.
        matching=lambda terms: (
            Appointment.objects.current()
            .matching(terms)
            .select_related("volunteer__community", "building_group__compound", "street_zone")
        ),
        field="volunteer__name",
        hit=_leader,
        person=True,
    ),
]
