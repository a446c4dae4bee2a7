from django.db.models import Q
from django.urls import reverse
from django.views.generic import DetailView

from communities.models import BuildingGroup, Community
from jinhai.caching import cache_public
from jinhai.sorting import natural_key, pinyin_key

from .models import Activity, Appointment, LeaderKind, Training


@cache_public
class CommunityLeadersView(DetailView):
    """A community's leaders by compound and building group, with its trainings and service."""

    template_name = "volunteers/community_leaders.html"
    context_object_name = "community"
    queryset = Community.objects.select_related("subdistrict")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = self.object
        leaders = {}
        street_leaders = []
        for appointment in (
            Appointment.objects.current()
            .filter(volunteer__community=community)
            .select_related("volunteer", "street_zone")
            .order_by("street_zone__name", "pk")
        ):
            if appointment.kind == LeaderKind.BUILDING:
                leaders[appointment.building_group_id] = appointment.volunteer
            else:
                street_leaders.append(appointment)
        compounds = []
        current = None
        for group in (
            BuildingGroup.objects.filter(compound__community=community)
            .select_related("compound")
            .order_by("compound__name", "compound_id")
        ):
            if current is None or current["compound"].pk != group.compound_id:
                current = {"compound": group.compound, "groups": []}
                compounds.append(current)
            current["groups"].append((group, leaders.get(group.pk)))
        # Compounds by name in pinyin order; building groups in natural order (2号楼 < 10号楼).
        compounds.sort(key=lambda block: pinyin_key(block["compound"].name))
        for block in compounds:
            block["groups"].sort(key=lambda pair: natural_key(pair[0].name))
        zones_led = {a.street_zone_id for a in street_leaders}
        context.update(
            crumbs=[
                ("社区", reverse("communities:list")),
                (community.name, reverse("communities:detail", args=[community.pk])),
                ("楼组长与街面长", None),
            ],
            compounds=compounds,
            street_leaders=street_leaders,
            vacant_zones=[z for z in community.street_zones.all() if z.pk not in zones_led],
            trainings=list(
                Training.objects.filter(subdistrict=community.subdistrict_id)
                .filter(Q(community=community) | Q(community__isnull=True))
                .with_attendance()
                .order_by("-date")[:10]
            ),
            activities=list(
                Activity.objects.filter(community=community).with_totals().order_by("-date")[:10]
            ),
            n_groups=sum(len(c["groups"]) for c in compounds),
            n_led=len(leaders),
        )
        return context
