"""The 比学赶超 contest's writes: the shortlist (33 → 9) and the final ranking, computed from a
round's scores."""

import itertools

from django.core.exceptions import ValidationError
from django.db import transaction

from jinhai.caching import data_changed

from .models import (
    Contest,
    ContestEntry,
    RoundScore,
)


def _round_scores(contest, round_):
    if round_.contest_id != contest.pk:
        raise ValidationError("该轮次不属于这个比赛。")
    return list(
        RoundScore.objects.filter(round=round_).select_related("entry").order_by("-score", "pk")
    )


@transaction.atomic
def contest_shortlist(*, contest, contest_round, count) -> list[ContestEntry]:
    """Shortlist the `count` best entries of a round; the others leave the shortlist."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if count < 1:
        raise ValidationError("入围数量至少为 1。")
    scores = _round_scores(contest, contest_round)
    if len(scores) < count:
        raise ValidationError(
            f"{contest_round.name}只有 {len(scores)} 个节目有得分,不足 {count} 个。"
        )
    if len(scores) > count and scores[count - 1].score == scores[count].score:
        raise ValidationError(
            f"第 {count} 名和第 {count + 1} 名同分({scores[count].score} 分),请先复核得分。"
        )
    chosen = {s.entry_id for s in scores[:count]}
    entries = list(contest.entries.all())
    ContestEntry.objects.filter(contest=contest).update(rank=None)
    for entry in entries:
        entry.shortlisted = entry.pk in chosen
        entry.rank = None
    ContestEntry.objects.bulk_update(entries, ["shortlisted"])
    data_changed()  # update() and bulk_update send no post_save
    return [e for e in entries if e.shortlisted]


@transaction.atomic
def contest_rank(*, contest, contest_round) -> list[ContestEntry]:
    """Rank the shortlisted entries by their scores in a round (1 = best)."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    shortlisted = {e.pk: e for e in contest.entries.filter(shortlisted=True)}
    if not shortlisted:
        raise ValidationError("还没有入围节目。")
    scores = [s for s in _round_scores(contest, contest_round) if s.entry_id in shortlisted]
    missing = set(shortlisted) - {s.entry_id for s in scores}
    if missing:
        names = "、".join(sorted(shortlisted[pk].title for pk in missing))
        raise ValidationError(f"以下入围节目在{contest_round.name}中还没有得分:{names}。")
    for before, after in itertools.pairwise(scores):
        if before.score == after.score:
            raise ValidationError(
                f"“{before.entry.title}”和“{after.entry.title}”同分({after.score} 分),"
                "请先复核得分。"
            )
    ContestEntry.objects.filter(contest=contest).update(rank=None)
    ranked = []
    for position, score in enumerate(scores, start=1):
        entry = shortlisted[score.entry_id]
        entry.rank = position
        ranked.append(entry)
    ContestEntry.objects.bulk_update(ranked, ["rank"])
    data_changed()  # update() and bulk_update send no post_save
    return ranked
