"""Committee members whose term ended long ago: name and photo removed, with their audit trail."""

from jinhai.audit import forget

from .models import CommitteeMember


def anonymise(cutoff, *, dry_run=False) -> int:
    members = CommitteeMember.objects.filter(term_end__lt=cutoff).exclude(name__startswith="已匿名")
    pks = list(members.values_list("pk", flat=True))
    if dry_run or not pks:
        return len(pks)
    for member in CommitteeMember.objects.filter(pk__in=pks).exclude(photo=""):
        member.photo.delete(save=False)
    for pk in pks:
        # Names are unique within an election: keep them apart.
        CommitteeMember.objects.filter(pk=pk).update(name=f"已匿名{pk}", photo="")
    forget(CommitteeMember, pks)
    return len(pks)
