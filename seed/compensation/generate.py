"""Regenerate the invented households and the sample batch of the compensation demo (deterministic).

    PYTHONPATH=. python seed/compensation/generate.py

Names are invented from common surnames and given-name characters; ID numbers carry a valid GB 11643
check digit but belong to no one.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import polars as pl

HERE = Path(__file__).parent
SURNAMES = "胡王李曾刘陈张罗黄肖郭钟邹彭谢吴徐熊万魏"
GIVEN = "玉兰红霞仁贵细妹海生春华秋菊冬梅建国志强小平金凤德明桂英永福水根长发秀珍"
VILLAGES = {  # core seed key -> (county, households to invent)
    "yingpanxu": ("360827", 60), "zuoan": ("360827", 50), "daitang": ("360827", 50),
    "wucheng": ("360425", 45), "songmen": ("360425", 40), "xiaohu": ("360425", 45),
}
SAMPLE_FROM = 40  # households 40.. of each Suichuan village are left for the sample batch


def check_digit(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def households() -> list[dict]:
    rng = random.Random(360827)
    out, used = [], set()
    for village, (county, n) in VILLAGES.items():
        for i in range(1, n + 1):
            while True:
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                if (village, name) not in used:
                    used.add((village, name))
                    break
            first17 = f"{county}{rng.randint(1945, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
            out.append({
                "key": f"comp-{village}-{i}", "village": village, "name": name,
                "id_number": first17 + check_digit(first17), "bank_account_tail": f"{rng.randint(0, 9999):04d}",
                "gender": rng.choice(["female", "male"]), "age_band": rng.choice(["18_34", "35_59", "60_plus"]),
                "household_size": rng.randint(1, 7), "forest_mu": f"{rng.randint(150, 6000) / 100:.2f}",
                "in_sample_batch": county == "360827" and i > SAMPLE_FROM,
            })
    return out


VILLAGE_NAMES = {"yingpanxu": "营盘圩村", "zuoan": "左安村", "daitang": "戴家埔村"}
RATE = 2150  # fen per mu per year, the forest program's rate in programs.json


def sample_batch(rows: list[dict]) -> pl.DataFrame:
    picked = [r for r in rows if r["in_sample_batch"]]
    amount = lambda mu: (RATE * round(float(mu) * 100) * 2 + 100) // 200  # noqa: E731  half up, in fen
    return pl.DataFrame({
        "村": [VILLAGE_NAMES[r["village"]] for r in picked],
        "户主": [r["name"] for r in picked],
        "身份证后四位": [r["id_number"][-4:] for r in picked],
        "面积(亩)": [r["forest_mu"] for r in picked],
        "金额(元)": [f"{amount(r['forest_mu']) // 100}.{amount(r['forest_mu']) % 100:02d}" for r in picked],
        "银行账号后四位": [r["bank_account_tail"] for r in picked],
    })


if __name__ == "__main__":
    rows = households()
    (HERE / "households.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    frame = sample_batch(rows)
    frame.write_csv(HERE / "sample-batch.csv")
    frame.write_excel(HERE / "sample-batch.xlsx", worksheet="补偿发放", autofit=True)
    print(f"{len(rows)} households, sample batch of {frame.height} rows")
