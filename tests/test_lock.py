"""requirements.lock: every runtime dependency of pyproject.toml, at the same version, hashed.

When this fails after a dependency was added or changed in pyproject.toml, run ``make lock``
(pip-compile --generate-hashes) and commit the new requirements.lock.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from printpipe.output import LOCK_FILE, lock_record
from printpipe.project import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _pyproject_pins() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins: dict[str, str] = {}
    for requirement in data["project"]["dependencies"]:
        match = _PIN.match(requirement)
        assert match, f"runtime dependency not pinned with ==: {requirement}"
        pins[_name(match[1])] = match[2]
    return pins


def _lock_entries() -> tuple[dict[str, str], dict[str, int], set[str]]:
    pins: dict[str, str] = {}
    hashes: dict[str, int] = {}
    direct: set[str] = set()
    current = ""
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            current = _name(match[1])
            pins[current] = match[2]
            hashes[current] = 0
        elif line.strip().startswith("--hash=sha256:"):
            hashes[current] += 1
        elif "printpipe (pyproject.toml)" in line:
            direct.add(current)
    return pins, hashes, direct


def test_lock_pins_every_runtime_dependency_at_pyprojects_version() -> None:
    wanted = _pyproject_pins()
    locked, _, direct = _lock_entries()
    disagree = {
        name: (version, locked.get(name))
        for name, version in wanted.items()
        if locked.get(name) != version
    }
    assert not disagree, f"pyproject vs requirements.lock (run `make lock`): {disagree}"
    # A dependency dropped from pyproject.toml must leave the lock too.
    assert direct == set(wanted), f"run `make lock`: lock's direct deps {sorted(direct)}"


def test_every_locked_package_carries_hashes_and_the_tool_is_named() -> None:
    text = LOCK.read_text(encoding="utf-8")
    assert "pip-compile --generate-hashes" in text
    _, hashes, _ = _lock_entries()
    assert hashes and all(count >= 1 for count in hashes.values()), hashes


def test_the_package_ships_the_lock_and_the_manifest_names_its_hash(tmp_path: Path) -> None:
    import hashlib

    assert LOCK_FILE.read_bytes() == LOCK.read_bytes()
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    assert lock_record() == {"file": "requirements.lock", "sha256": digest}
    manifest = json.loads((ROOT / "tests" / "fixtures" / "verify" / "manifest.json").read_text())
    assert manifest["requirements_lock"]["file"] == "requirements.lock"
    assert len(manifest["requirements_lock"]["sha256"]) == 64
    assert (DEFAULTS / "layouts" / "house.yaml").is_file()
