"""Write N synthetic articles (seeded, reproducible) with gold files in the scorer's schema, for scale tests.

    python scripts/make_corpus.py OUT_DIR [--docs 1000] [--seed 1]

Articles go to OUT_DIR/articles/, gold to OUT_DIR/gold/. They cover the East–West province pairs and
every level of pairing with places drawn from the gazetteer; they are for load, not a substitute for the
hand-written fixtures (their wording is a handful of templates).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.gazetteer import gazetteer  # noqa: E402

# East–West pairs (east, west, their fused abbreviation), 2016–2025.
PAIRS = [("北京市", "内蒙古自治区", "京蒙"), ("天津市", "甘肃省", "津甘"), ("上海市", "云南省", "沪滇"),
         ("江苏省", "陕西省", "苏陕"), ("江苏省", "青海省", "苏青"), ("浙江省", "四川省", "浙川"),
         ("福建省", "宁夏回族自治区", "闽宁"), ("山东省", "重庆市", "鲁渝"), ("山东省", "甘肃省", "鲁甘"),
         ("广东省", "广西壮族自治区", "粤桂"), ("广东省", "贵州省", "粤黔")]
PAPER = {"内蒙古自治区": "内蒙古日报", "甘肃省": "甘肃日报", "云南省": "云南日报", "陕西省": "陕西日报", "青海省": "青海日报",
         "四川省": "四川日报", "宁夏回族自治区": "宁夏日报", "重庆市": "重庆日报", "广西壮族自治区": "广西日报", "贵州省": "贵州日报"}


def children(gaz, code, level):
    return [d for d in gaz.divisions.values() if d.level == level and d.parent == code]


def article(rng: random.Random, gaz, n: int) -> tuple[str, dict]:
    east, west, fused = rng.choice(PAIRS)
    by_name = {d.name: d for d in gaz.divisions.values() if d.level == "Province"}
    e, w = by_name[east], by_name[west]
    year = rng.randrange(2017, 2025)
    e_cities = children(gaz, e.code, "City") or children(gaz, e.code, "County")
    w_cities = children(gaz, w.code, "City") or children(gaz, w.code, "County")
    (ec1, ec2), (wc1, wc2) = rng.sample(e_cities, 2), rng.sample(w_cities, 2)
    ek = rng.choice(children(gaz, ec1.code, "County") or [ec1])
    wk = rng.choice(children(gaz, wc1.code, "County") or [wc1])
    et = rng.choice(children(gaz, ek.code, "Town") or [None])
    wt = rng.choice(children(gaz, wk.code, "Town") or [None])
    amount = rng.randrange(5, 900) * 100  # 万元
    amount2 = rng.randrange(1, 90) * 100
    paragraphs = [
        f"{year}年以来,{east}与{west}深化东西部协作,{fused}协作各项工作扎实推进。{ec1.name}与{wc1.name}、"
        f"{ec2.name}与{wc2.name}分别结对帮扶,双方在产业、劳务、消费等领域合作不断深入。",
        f"{year}年,{east}向{west}援助财政资金{amount / 10000:g}亿元,{ec1.name}向{wc1.name}投入帮扶资金{amount2}万元,"
        f"重点支持产业发展和基础设施建设。",
        f"{ek.name}与{wk.name}结成帮扶对子,互派干部{rng.randrange(5, 60)}人次。",
    ]
    entities = {(east, "Province"), (west, "Province"), (fused + "协作", "Program")}
    entities |= {(d.name, d.level) for d in (ec1, ec2, wc1, wc2, ek, wk)}
    relations = [{"rel": "pairedWith", "a": east, "b": west}, {"rel": "pairedWith", "a": ec1.name, "b": wc1.name},
                 {"rel": "pairedWith", "a": ec2.name, "b": wc2.name}, {"rel": "pairedWith", "a": ek.name, "b": wk.name},
                 {"rel": "funds", "from": east, "to": west, "amount_cny": amount * 10000, "year": year},
                 {"rel": "funds", "from": ec1.name, "to": wc1.name, "amount_cny": amount2 * 10000, "year": year}]
    if et and wt:
        paragraphs.append(f"{ek.name}{et.name}与{wk.name}{wt.name}签订镇镇结对协议,共同发展特色产业。")
        entities |= {(et.name, "Town"), (wt.name, "Town")}
        relations.append({"rel": "pairedWith", "a": et.name, "b": wt.name})
    header = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} 08:00:00|来源:{PAPER[west]}|编辑:编辑{n}"
    text = f"{fused}协作结硕果\n\n{header}\n\n" + "\n\n".join("  " + p for p in paragraphs) + "\n"
    gold = {"entities": [{"name": a, "type": t} for a, t in sorted(entities)], "relations": relations}
    return text, gold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng, gaz = random.Random(args.seed), gazetteer()
    (args.out / "articles").mkdir(parents=True, exist_ok=True)
    (args.out / "gold").mkdir(parents=True, exist_ok=True)
    for n in range(args.docs):
        text, gold = article(rng, gaz, n)
        name = f"synthetic-{n:06d}"
        (args.out / "articles" / f"{name}.txt").write_text(text, encoding="utf-8")
        (args.out / "gold" / f"{name}.json").write_text(
            json.dumps({"doc": f"{name}.txt", **gold}, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
