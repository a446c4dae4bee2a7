"""manage.py household_codes: new codes for a community's households, written as cards.

    manage.py household_codes --community 正学社区 [--compound 金水苑] [--building-group 12号楼]
        [--street-zone 金海路沿街商铺] --out cards.html [--base-url https://portal.example.gov.cn]

`.html` is the print page (A4, eight cards to a page; print it from a browser, or "save as PDF"
there); `.csv` is for a mail merge. `.pdf` is refused: no maintained pure-Python way draws the
Chinese cards with their QR codes as well as the browser's own print does.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from communities import cards, codes
from communities.models import Community, Household
from jinhai.imports import cells


class Command(BaseCommand):
    help = (
        "为社区(或其中一个小区、楼组、街面)的住户生成新户码,输出为可打印的卡片(.html)或表格(.csv)。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--community", required=True, help="社区名称")
        parser.add_argument("--compound", help="小区名称")
        parser.add_argument("--building-group", help="楼组名称(须同时给出小区)")
        parser.add_argument("--street-zone", help="街面名称")
        parser.add_argument("--out", required=True, help="输出文件:.html 或 .csv")
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "PORTAL_URL", "") or "http://127.0.0.1:8000",
            help="二维码里领取链接的网址前缀",
        )

    def handle(self, *args, **options):
        out = Path(options["out"])
        suffix = out.suffix.lower()
        if suffix == ".pdf":
            raise CommandError(
                "不支持直接输出 PDF:请输出 .html,在浏览器中打印(或“另存为 PDF”);"
                "邮件合并请输出 .csv。"
            )
        if suffix not in {".html", ".csv"}:
            raise CommandError("输出文件须为 .html(打印卡片)或 .csv(邮件合并)。")
        households = self._households(options)
        issued = codes.codes_issue(households=households)
        if not issued:
            raise CommandError("所选范围内没有住户或商铺。")
        rows = cards.cards(issued, base_url=options["base_url"])
        if suffix == ".csv":
            out.write_bytes(cards.cards_csv(rows))
        else:
            out.write_text(cards.cards_html(rows), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"已为 {len(issued)} 户生成新户码,写入 {out}。"))

    def _households(self, options):
        def one(queryset, what, name):
            found = [x for x in queryset if cells.name_key(x.name) == cells.name_key(name)]
            if len(found) != 1:
                raise CommandError(f"没有名为“{name}”的{what}")
            return found[0]

        community = one(Community.objects.all(), "社区", options["community"])
        households = Household.objects.filter(community=community)
        if options["street_zone"]:
            zone = one(community.street_zones.all(), "街面", options["street_zone"])
            households = households.filter(street_zone=zone)
        if options["compound"]:
            compound = one(community.compounds.all(), "小区", options["compound"])
            households = households.filter(building_group__compound=compound)
            if options["building_group"]:
                group = one(compound.building_groups.all(), "楼组", options["building_group"])
                households = households.filter(building_group=group)
        elif options["building_group"]:
            raise CommandError("指定楼组时请同时用 --compound 指定小区。")
        return households.with_address().order_by(
            "building_group__compound__name", "building_group__name", "room", "shop_name"
        )
