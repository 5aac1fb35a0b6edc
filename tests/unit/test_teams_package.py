"""The Teams app package (`python -m bot teams package`): manifest, icons and the errors that explain settings.

Files only, no network; `python -m bot teams check` (which calls the token endpoint) is tested in
tests/integration/test_teams.py.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from bot.cli import teams as teams_cli
from tests.conftest import ROOT
from tests.fakes.channel_env import TEAMS_APP_ID


def package(tmp_path: Path, env_file: Path, *flags: str) -> tuple[int, Path]:
    out = tmp_path / "dist" / "lederassistent-teams.zip"
    return teams_cli.main(["package", "--out", str(out), "--env-file", str(env_file), *flags]), out


def test_package_holds_a_valid_manifest_and_icons(
    tmp_path: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    monkeypatch.setenv("TEAMS_APP_ID", TEAMS_APP_ID)
    monkeypatch.setenv("TEAMS_BOT_HOST", "https://lederbot.kommune.dk/webhooks/teams/webhook")
    status, out = package(tmp_path, clean_env)
    assert status == 0
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = Image.open(io.BytesIO(archive.read("color.png")))
        outline = Image.open(io.BytesIO(archive.read("outline.png")))

    major, minor = (int(part) for part in manifest["manifestVersion"].split("."))
    assert (major, minor) >= (1, 16)
    assert f"/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json" in manifest["$schema"]
    assert manifest["id"] == TEAMS_APP_ID and manifest["version"] == "1.0.0"
    (bot,) = manifest["bots"]
    assert bot["botId"] == TEAMS_APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert manifest["validDomains"] == ["lederbot.kommune.dk"]
    assert manifest["developer"]["websiteUrl"] == "https://lederbot.kommune.dk/"
    assert all(manifest["developer"][k].startswith("https://") for k in ("privacyUrl", "termsOfUseUrl"))
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["name"]["full"]) <= 100
    assert len(manifest["description"]["short"]) <= 80 and len(manifest["description"]["full"]) <= 4000
    assert "ledelsesgrundlag" in manifest["description"]["full"]  # Danish text
    for command in bot["commandLists"][0]["commands"]:
        assert len(command["title"]) <= 32 and len(command["description"]) <= 128
    assert "${" not in json.dumps(manifest)

    assert color.size == (192, 192)
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    pixels = list(outline.getdata())
    assert all(a == 0 or (r, g, b) == (255, 255, 255) for r, g, b, a in pixels)  # white on transparent
    assert any(a == 255 for *_, a in pixels) and any(a == 0 for *_, a in pixels)


def test_package_settings_from_flags_and_env_file(
    tmp_path: Path, clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f'TEAMS_APP_ID="{TEAMS_APP_ID}"\n# a comment\nTEAMS_BOT_HOST=bot.example.dk\n')
    status, out = package(tmp_path, env_file, "--name", "Ledelse", "--version", "1.2.3",
                          "--privacy-url", "https://example.dk/privatliv")
    assert status == 0, capsys.readouterr().err
    manifest = json.loads(zipfile.ZipFile(out).read("manifest.json"))
    assert manifest["name"]["short"] == "Ledelse" and manifest["version"] == "1.2.3"
    assert manifest["developer"]["privacyUrl"] == "https://example.dk/privatliv"
    assert manifest["validDomains"] == ["bot.example.dk"]


@pytest.mark.parametrize(
    ("env", "flags", "message"),
    [
        ({}, [], "TEAMS_APP_ID mangler"),
        ({"TEAMS_APP_ID": "not-a-guid", "TEAMS_BOT_HOST": "bot.example.dk"}, [], "GUID"),
        ({"TEAMS_APP_ID": TEAMS_APP_ID}, [], "TEAMS_WEBSITE_URL mangler"),
        ({"TEAMS_APP_ID": TEAMS_APP_ID, "TEAMS_BOT_HOST": "bot.example.dk"}, ["--name", "x" * 31], "højst 30"),
        ({"TEAMS_APP_ID": TEAMS_APP_ID, "TEAMS_BOT_HOST": "bot.example.dk"},
         ["--terms-url", "http://example.dk/"], "https"),
    ],
)
def test_package_explains_what_is_missing(
    tmp_path: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    env: dict[str, str], flags: list[str], message: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    status, out = package(tmp_path, clean_env, *flags)
    assert status == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_package_command_through_the_bot_cli(tmp_path: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli.main import main

    monkeypatch.setenv("TEAMS_APP_ID", TEAMS_APP_ID)
    monkeypatch.setenv("TEAMS_BOT_HOST", "bot.example.dk")
    out = tmp_path / "app.zip"
    assert main(["teams", "package", "--out", str(out), "--env-file", str(clean_env)]) == 0
    assert zipfile.is_zipfile(out)


def test_committed_icons_have_the_sizes_teams_requires() -> None:
    assert teams_cli.png_info((ROOT / "teams" / "color.png").read_bytes()).width == 192
    info = teams_cli.png_info((ROOT / "teams" / "outline.png").read_bytes())
    assert (info.width, info.height, info.has_alpha) == (32, 32, True)
