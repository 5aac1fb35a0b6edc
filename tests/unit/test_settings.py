"""The one settings object: one ``.env`` parser, one precedence rule, typed values, errors naming file:line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, read_env_file
from tests.conftest import ROOT


def write_env(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_env_file_lines_comments_export_and_quotes(tmp_path: Path) -> None:
    path = write_env(tmp_path, "# comment\n\nTEAMS_APP_ID=abc\nexport TELEGRAM_MODE = polling \n"
                               "TELEGRAM_BOT_TOKEN='42:x'\nTEAMS_BOT_HOST=\"bot.example.dk\"\nnot a setting\n")
    assert read_env_file(path) == {"TEAMS_APP_ID": ("abc", 3), "TELEGRAM_MODE": ("polling", 4),
                                   "TELEGRAM_BOT_TOKEN": ("42:x", 5), "TEAMS_BOT_HOST": ("bot.example.dk", 6)}
    assert read_env_file(tmp_path / "missing.env") == {}


def test_a_non_empty_environment_value_wins_and_an_empty_one_does_not(tmp_path: Path) -> None:
    path = write_env(tmp_path, "RASA_PORT=6000\nTELEGRAM_MODE=polling\nHOME_ORGANISATION=Glostrup\n")
    settings = Settings.from_env({"RASA_PORT": "7000", "TELEGRAM_MODE": ""}, env_file=path)
    assert settings.rasa_port == 7000
    assert settings.value("TELEGRAM_MODE") == "polling"
    assert settings.home_organisation == "glostrup"


def test_defaults_without_env_file(tmp_path: Path) -> None:
    settings = Settings.from_env({}, env_file=tmp_path / "none")
    assert (settings.rasa_port, settings.actions_port, settings.actions_host) == (5005, 5055, "127.0.0.1")
    assert settings.knowledge_db_url.endswith("var/knowledge.db") and settings.knowledge_embeddings
    assert settings.home_organisation is None and settings.tracker_db_wait_seconds == 30.0


@pytest.mark.parametrize(("line", "message"), [
    ("RASA_PORT=fem", "RASA_PORT='fem' ({path}:2): expected a port number"),
    ("TRACKER_DB_WAIT_SECONDS=-1", "TRACKER_DB_WAIT_SECONDS='-1' ({path}:2): expected a number ≥ 0"),
    ("KNOWLEDGE_EMBEDDINGS=maybe", "KNOWLEDGE_EMBEDDINGS='maybe' ({path}:2): expected one of"),
])
def test_a_bad_value_in_env_file_names_variable_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = write_env(tmp_path, f"# settings\n{line}\n")
    with pytest.raises(SettingsError) as error:
        Settings.from_env({}, env_file=path)
    assert message.format(path=path) in str(error.value)


def test_a_bad_value_from_the_environment_says_so(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"ACTIONS_PORT='99999' \(the environment\)"):
        Settings.from_env({"ACTIONS_PORT": "99999"}, env_file=tmp_path / "none")


def test_shell_exports_follow_the_same_rule(tmp_path: Path) -> None:
    path = write_env(tmp_path, "RASA_PORT=6000\nGREETING=it's here\n")
    exports = Settings.from_env({"RASA_PORT": "7000"}, env_file=path).shell_exports()
    assert exports == "export GREETING='it'\"'\"'s here'\nexport RASA_PORT=7000\n"


def test_no_module_reads_the_environment_except_the_settings() -> None:
    """One place reads os.environ / os.getenv; everything else is handed a Settings (or its env)."""
    offenders = []
    for folder in ("bot", "actions", "tools"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "bot" / "settings.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb") \
                        and isinstance(node.value, ast.Name) and node.value.id == "os":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_sender_ids_are_keyed_pseudonyms(tmp_path: Path) -> None:
    from bot.core.privacy import pseudonym

    key = Settings.from_env({"SENDER_ID_KEY": "k" * 32}, env_file=tmp_path / "none").sender_key()
    assert pseudonym("29:aad-object-id", key) == pseudonym("29:aad-object-id", key)  # the same user, the same id
    assert pseudonym("29:aad-object-id", key) != pseudonym("29:aad-object-id", b"other" * 8)
    assert "aad" not in pseudonym("29:aad-object-id", key) and pseudonym("501", key).startswith("p-")
    with pytest.raises(SettingsError, match="SENDER_ID_KEY"):
        Settings.from_env({"SENDER_ID_KEY": "short"}, env_file=tmp_path / "none")
