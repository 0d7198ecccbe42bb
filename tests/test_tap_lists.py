"""Each tap is listed once: ``[project.scripts]`` in pyproject.toml is the list.

A tap is the console script that runs it; ``cerebro.tenants.TAP_EXECUTABLES`` reads the
installed scripts, and the wheel ships every folder under ``taps/`` as it is. pyproject.toml
must still name each tap's package where TOML cannot read another list: import-linter's root
packages and the contracts that keep the taps apart. These tests hold all of them equal to the
scripts and to the folders under ``taps/``, so that a tap added (or removed) in one place only
fails here, naming the place.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Packages under taps/ that are not a tap or a target: shared code, run by no script.
SHARED = {"cerebro_raw_contract", "cerebro_tap_kit"}
DEMO = "tap_cerebro_demo"


def scripted_packages() -> dict[str, str]:
    """Console script -> the package it runs, for every tap and target script."""
    return {
        name: target.split(":")[0].split(".")[0]
        for name, target in PYPROJECT["project"]["scripts"].items()
        if name.startswith(("tap-", "target-"))
    }


def programs() -> set[str]:
    """The tap and target packages, from the scripts (the one list)."""
    return set(scripted_packages().values())


def test_every_script_is_named_after_its_package_and_every_tap_folder_has_a_script():
    scripts = scripted_packages()
    assert {name: name.replace("-", "_") for name in scripts} == scripts
    folders = {
        path.name
        for path in (ROOT / "taps").iterdir()
        if (path / "__init__.py").is_file() and path.name not in SHARED
    }
    assert folders == programs(), "a folder under taps/ without its script, or the other way"


def test_import_linter_sees_every_tap_the_scripts_name():
    roots = set(PYPROJECT["tool"]["importlinter"]["root_packages"])
    assert roots & (programs() | SHARED) == programs() | SHARED


@pytest.mark.parametrize(
    "contract", PYPROJECT["tool"]["importlinter"]["contracts"], ids=lambda c: c["name"][:60]
)
def test_a_contract_that_names_one_tap_names_them_all(contract):
    """The demo tap has contracts of its own; every list naming a real tap names every one."""
    real = programs() - {DEMO}
    for field in ("source_modules", "forbidden_modules", "modules"):
        named = set(contract.get(field, [])) & real
        if named:
            assert named == real, f"{field} misses {sorted(real - named)}"


def test_the_tenants_file_knows_every_installed_tap():
    """TAP_EXECUTABLES reads the installed scripts: equal to pyproject.toml's unless the
    environment predates a change to them (then `make setup` again)."""
    from cerebro.tenants import DEMO_TAP, TAP_EXECUTABLES

    taps = {name for name in scripted_packages() if name.startswith("tap-")}
    assert set(TAP_EXECUTABLES.values()) == taps
    assert TAP_EXECUTABLES[DEMO_TAP] == "tap-cerebro-demo"
    assert TAP_EXECUTABLES["meta_ads"] == "tap-cerebro-meta-ads"
