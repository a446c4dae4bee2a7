"""The 比学赶超 contest's writes: the shortlist (33 → 9) and the final ranking, computed from a
round's scores."""

import itertools

from django.core.exceptions import ValidationError
from django.db import transaction

from jinhai.caching import data_changed

from .models import (
    Contest,
    ContestEntry,
    Inspection,
    InspectionScore,
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


@transaction.atomic
def inspections_record(*, kind, date, inspector, scores, findings=None) -> tuple[int, int]:
    """One round of checks entered as a grid: `scores` maps each enrollment to {standard:
    score}; each enrollment with a score gets its inspection of that kind and date (made, or the
    one already there) and those scores. All or nothing, with every bad cell named.
    Returns (inspections made, scores written)."""
    findings = findings or {}
    scores = {e: row for e, row in scores.items() if row}
    errors = []
    for enrollment, row in scores.items():
        for standard, score in row.items():
            if standard.campaign_id != enrollment.campaign_id:
                errors.append(f"{enrollment}:{standard.name}不是该楼组所参加创建的标准项。")
            elif not 0 <= score <= standard.max_score:
                errors.append(
                    f"{enrollment} {standard.name}:得分须在 0 到 {standard.max_score} 分之间。"
                )
    if errors:
        raise ValidationError(errors)
    existing = {
        i.enrollment_id: i
        for i in Inspection.objects.select_for_update().filter(
            enrollment__in=list(scores), kind=kind, date=date
        )
    }
    new = []
    for enrollment in scores:
        inspection = existing.get(enrollment.pk) or Inspection(
            enrollment=enrollment, kind=kind, date=date
        )
        inspection.inspector = inspector
        if findings.get(enrollment):
            inspection.findings = findings[enrollment]
        try:
            inspection.full_clean(exclude=["enrollment"], validate_unique=False)
        except ValidationError as exc:
            raise ValidationError(f"{enrollment}:{';'.join(exc.messages)}") from None
        if inspection.pk is None:
            new.append(inspection)
        existing[enrollment.pk] = inspection
    Inspection.objects.bulk_create(new)
    Inspection.objects.bulk_update(
        [i for i in existing.values() if i not in new], ["inspector", "findings"]
    )
    written = {
        (s.inspection_id, s.standard_id): s
        for s in InspectionScore.objects.filter(inspection__in=list(existing.values()))
    }
    create, update = [], []
    for enrollment, row in scores.items():
        inspection = existing[enrollment.pk]
        for standard, score in row.items():
            record = written.get((inspection.pk, standard.pk))
            if record is None:
                create.append(
                    InspectionScore(inspection=inspection, standard=standard, score=score)
                )
            elif record.score != score:
                record.score = score
                update.append(record)
    InspectionScore.objects.bulk_create(create)
    InspectionScore.objects.bulk_update(update, ["score"])
    data_changed()
    return len(new), len(create) + len(update)
