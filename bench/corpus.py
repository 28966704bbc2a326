"""A corpus of any size made by perturbing the bundled documents: unit names, figures, years,
dropped sections. Generated lazily, one document at a time, so memory stays flat."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLACES = [
    "保定",
    "唐山",
    "邯郸",
    "邢台",
    "沧州",
    "衡水",
    "承德",
    "秦皇岛",
    "石家庄",
    "万州",
    "涪陵",
    "黔江",
    "永川",
    "合川",
    "江津",
    "綦江",
    "南川",
    "大足",
    "璧山",
    "铜梁",
]
AMOUNT_RE = re.compile(r"(\d+(?:\.\d+)?)(万元)")
YEAR_RE = re.compile(r"(20[12]\d)年")
SECTION_RE = re.compile(r"^[一二三四五六七八九十]{1,2}、", re.M)


def _sources() -> list[tuple[str, str]]:
    return [
        (p.stem, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.txt"))
    ]


def perturb(text: str, rng: random.Random) -> str:
    """Rename the place, scale every figure by one factor (sums keep holding up to
    rounding), shift the years together, sometimes drop a middle section."""
    place = rng.choice(PLACES)
    for original in ("廊坊", "张家口", "重庆"):
        text = text.replace(original, place)
    factor = rng.choice([0.5, 0.8, 1.0, 1.25, 2.0])
    text = AMOUNT_RE.sub(lambda m: f"{float(m.group(1)) * factor:.2f}{m.group(2)}", text)
    shift = rng.randint(-3, 3)
    text = YEAR_RE.sub(lambda m: f"{int(m.group(1)) + shift}年", text)
    if rng.random() < 0.2:
        starts = [m.start() for m in SECTION_RE.finditer(text)]
        if len(starts) > 4:
            i = rng.randrange(2, len(starts) - 1)
            text = text[: starts[i]] + text[starts[i + 1] :]
    return text


def generate(count: int, seed: int = 7) -> Iterator[tuple[str, str]]:
    rng = random.Random(seed)
    sources = _sources()
    for i in range(count):
        stem, text = sources[i % len(sources)]
        yield f"gen{i:05d}_{stem}.txt", perturb(text, rng)


def write(
    directory: Path, count: int, *, corrupt_share: float = 0.0, seed: int = 7
) -> list[tuple[Path, bool]]:
    """Write a corpus to disk; ``corrupt_share`` of the files are made unreadable (True)."""
    rng = random.Random(seed + 1)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in generate(count, seed):
        path = directory / name
        corrupted = rng.random() < corrupt_share
        if corrupted:
            kind = rng.choice(["empty", "binary", "docx"])
            if kind == "docx":
                path = path.with_suffix(".docx")
            path.write_bytes(
                b""
                if kind == "empty"
                else bytes(rng.randrange(256) for _ in range(3000))
                if kind == "binary"
                else b"PK\x03\x04 truncated"
            )
        else:
            path.write_text(text, encoding="utf-8")
        paths.append((path, corrupted))
    return paths
