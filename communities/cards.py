"""The cards household codes are printed on: an HTML page to print (A4, eight to a page) and a CSV
for a mail merge. Each card has the household's full address, its code and a QR code of the claim
link, drawn here by segno (pure Python, nothing fetched)."""

import csv
import io
from urllib.parse import urlencode

import segno
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

HEADERS = ["社区", "小区/街面", "楼组", "室号/商铺", "完整地址", "户码", "领取链接"]


def claim_link(base_url: str, code: str) -> str:
    return base_url.rstrip("/") + reverse("residents:claim") + "?" + urlencode({"code": code})


def cards(issued, *, base_url: str) -> list[dict]:
    rows = []
    for household, code in issued:
        link = claim_link(base_url, code)
        if household.building_group_id:
            place = [household.building_group.compound.name, household.building_group.name]
            leaf = household.room + "室"
        else:
            place, leaf = [household.street_zone.name, ""], household.shop_name
        rows.append(
            {
                "community": household.community.name,
                "place": place,
                "leaf": leaf,
                "address": household.full_address,
                "code": code,
                "link": link,
                # segno's SVG is made of paths from our own link: nothing a user typed goes in.
                "qr": mark_safe(segno.make(link, error="m").svg_inline(scale=3, border=2)),
            }
        )
    return rows


def cards_html(rows, *, request=None) -> str:
    return render_to_string("communities/codes/cards.html", {"cards": rows}, request=request)


def cards_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for r in rows:
        writer.writerow(
            [r["community"], r["place"][0], r["place"][1], r["leaf"], r["address"], r["code"],
             r["link"]]
        )  # fmt: skip
    # With a BOM, so that Excel and WPS read the Chinese as UTF-8.
    return out.getvalue().encode("utf-8-sig")
