"""The README's "Add your own store" section, run as written against the local imitations of
Shopify's Admin API and Meta's Marketing API (issue 57): its `cerebro tenants add` command, its
tenants file, and the commands after it (`cerebro tenants`, the secrets exported, `cerebro
check`). The only change a test makes is the vendors' address (each tap's `base_url`, which
points at the local server instead of the vendor); the rest (names, settings, secrets'
variables) is read from the README, so a section that stops working fails here."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cerebro.cli.main import main
from tests.taps.tap_cerebro_meta_ads.fake_meta_api import Account, FakeMetaApi
from tests.taps.tap_cerebro_shopify.shopify_fake_admin_api import FakeShop, FakeShopifyAdminAPI
from tests.taps.tap_cerebro_shopify.shopify_fake_shop import NOW
from tests.taps.tap_cerebro_woocommerce.fake_woocommerce_api import FakeStore, FakeWooCommerceApi

README = Path(__file__).resolve().parents[2] / "README.md"
SHOPIFY_TOKEN = "shpat_readme0own0store0token0c0ffee"
META_TOKEN = "EAAB-readme-own-store-token-1234567890"
WOO_KEY, WOO_SECRET = "ck_readme0own0store0key", "cs_readme0own0store0secret"


def own_store_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Add your own store\n")
    return text[start : text.index("\n## ", start + 1)]


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", own_store_section(), flags=re.S)


def shell_commands(block: str) -> list[list[str]]:
    """Each command of a shell block as its words, continuation lines joined, comments and
    the `uv run` prefix dropped."""
    joined = block.replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words[:2] == ["uv", "run"]:
            words = words[2:]
        if words:
            commands.append(words)
    return commands


@pytest.fixture
def vendors(httpserver) -> dict[str, str]:
    """Both imitations on one local server; their base URLs, by source."""
    shopify = FakeShopifyAdminAPI(FakeShop(), token=SHOPIFY_TOKEN, now=NOW)
    shopify.install(httpserver)
    meta = FakeMetaApi(META_TOKEN, {"1029384756": Account("America/Santiago", "CLP", ("120001",))})
    meta.register(httpserver)
    woocommerce = FakeWooCommerceApi(
        FakeStore(customers=[], orders=[]), key=WOO_KEY, secret=WOO_SECRET
    )
    woocommerce.register(httpserver)
    return {
        "shopify": httpserver.url_for("/"),
        "meta_ads": meta.base_url,
        "woocommerce": woocommerce.base_url,
    }


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def test_the_tenants_add_command_writes_a_store_whose_named_secrets_pass_the_check(
    tmp_path, vendors, monkeypatch
):
    (add,) = [
        words
        for words in shell_commands(code_blocks("sh")[0])
        if words[:2] == ["cerebro", "tenants"]
    ]
    # A deployment's own tenants file, which the command starts.
    monkeypatch.setenv("CEREBRO_TENANTS_FILE", str(tmp_path / "tenants.yml"))

    added = run(*add[1:], "--set", f"shopify.base_url={vendors['shopify']}")
    assert added.exit_code == 0, added.output
    variables = re.findall(r"^  ([A-Z][A-Z0-9_]+)  \(shopify access_token\)$", added.output, re.M)
    assert len(variables) == 1, added.output
    tenant_id = add[add.index("add") + 1]

    unset = run("check", "--tenant", tenant_id)
    assert unset.exit_code == 1
    assert f"not set: {variables[0]}" in unset.output

    monkeypatch.setenv(variables[0], SHOPIFY_TOKEN)
    checked = run("check", "--tenant", tenant_id)
    assert checked.exit_code == 0, checked.output
    assert re.fullmatch(
        rf"{tenant_id}/shopify +ok · answered \(\d+\.\d s\)", checked.output.strip()
    )


def test_the_tenants_file_and_the_commands_after_it_work_as_written(tmp_path, vendors, monkeypatch):
    tenants = yaml.safe_load(code_blocks("yaml")[0])
    (tenant,) = tenants["tenants"]
    for source in ("shopify", "meta_ads"):
        tenant["sources"][source]["settings"]["base_url"] = vendors[source]
    tenants_file = tmp_path / "tenants.yml"
    tenants_file.write_text(yaml.safe_dump(tenants), encoding="utf-8")
    monkeypatch.setenv("CEREBRO_TENANTS_FILE", str(tenants_file))
    commands = shell_commands(code_blocks("sh")[-1])

    listed = run(*commands[0][1:])
    assert commands[0] == ["cerebro", "tenants"]
    assert listed.exit_code == 0, listed.output
    assert listed.output.startswith(f"{tenant['tenant_id']}: {tenant['name']} · ")

    (export,) = [words for words in commands if words[0] == "export"]
    exported = dict(word.split("=", 1) for word in export[1:])
    assert set(exported) == {
        source["secrets"]["access_token"]
        for source in tenant["sources"].values()
        if "secrets" in source
    }
    tokens = {"shopify": SHOPIFY_TOKEN, "meta_ads": META_TOKEN}
    for source, token in tokens.items():
        monkeypatch.setenv(tenant["sources"][source]["secrets"]["access_token"], token)

    assert ["cerebro", "check"] in commands
    checked = run("check")
    assert checked.exit_code == 0, checked.output
    lines = checked.output.splitlines()
    for source in tokens:
        assert any(
            re.fullmatch(rf"{tenant['tenant_id']}/{source} +ok · answered \(\d+\.\d s\)", line)
            for line in lines
        ), checked.output
    assert SHOPIFY_TOKEN not in checked.output and META_TOKEN not in checked.output


def test_the_woocommerce_store_snippet_replaces_shopify_and_passes_the_check(
    tmp_path, vendors, monkeypatch
):
    tenants = yaml.safe_load(code_blocks("yaml")[0])
    (tenant,) = tenants["tenants"]
    store = yaml.safe_load(code_blocks("yaml")[1])["shopify"]
    assert store["tap"] == "woocommerce"
    store["settings"]["store_url"] = vendors["woocommerce"]
    tenant["sources"] = {"shopify": store}
    tenants_file = tmp_path / "tenants.yml"
    tenants_file.write_text(yaml.safe_dump(tenants), encoding="utf-8")
    for setting, value in {"consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET}.items():
        monkeypatch.setenv(store["secrets"][setting], value)

    checked = run("check", "--tenants-file", str(tenants_file))
    assert checked.exit_code == 0, checked.output
    assert re.fullmatch(
        rf"{tenant['tenant_id']}/shopify +ok · answered \(\d+\.\d s\)", checked.output.strip()
    )
    assert WOO_SECRET not in checked.output
