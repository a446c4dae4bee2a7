"""Personal data of leaders whose roles ended long ago: anonymised, with their audit trail.

The records stay (they carry the hours and the history of who led which unit, as statistics),
but the person behind them is no longer identifiable.
"""

from django.db.models import Max, Q

from jinhai.audit import forget
from jinhai.sorting import stored_sort_key

from .models import Volunteer


def anonymise(cutoff, *, dry_run=False) -> int:
    """Volunteers with no current appointment whose last one ended before `cutoff`."""
    people = (
        Volunteer.objects.annotate(last_end=Max("appointments__end"))
        .filter(last_end__lt=cutoff)
        .exclude(appointments__end__isnull=True)
        .exclude(name="已匿名")
    )
    pks = list(people.values_list("pk", flat=True))
    if dry_run or not pks:
        return len(pks)
    for volunteer in Volunteer.objects.filter(pk__in=pks).exclude(Q(photo="") | Q(photo=None)):
        volunteer.photo.delete(save=False)
    for pk in pks:
        # A placeholder that is unique, never a real number, and says what happened.
        Volunteer.objects.filter(pk=pk).update(
            name="已匿名",
            # The stored pinyin key is the name's reading: it goes with the name.
            sort_key=stored_sort_key("已匿名", person=True),
            mobile=f"0{pk:010d}",
            gender="",
            political_status="",
            notes="",
            photo="",
        )
    forget(Volunteer, pks)
    return len(pks)
