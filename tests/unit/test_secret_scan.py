"""The repository holds nothing that looks like a real secret, and the scanner finds realistic ones.

Every realistic-looking value in this file is built at run time from pieces and random characters, so the
file itself passes the scan of the repository."""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from tools.secret_scan import ALLOW_MARKER, MAX_FILE_BYTES, RULES, Finding, report, scan_repo, scan_text

ROOT = Path(__file__).resolve().parents[2]

# No vowels and no x: a random value never spells "test", "fake", "example", "xxx" ...
CONSONANTS = "bcdfghjklmnpqrstvwyz"
UPPER = CONSONANTS.upper()
ALNUM = CONSONANTS + UPPER + "0123456789"


def rand(length: int, alphabet: str = ALNUM) -> str:
    """Random characters, with at least one lower-case letter, one upper-case letter and one digit."""
    assert length >= 3
    fixed = [secrets.choice(CONSONANTS), secrets.choice(UPPER), secrets.choice("0123456789")]
    chars = fixed + [secrets.choice(alphabet) for _ in range(length - 3)]
    return "".join(chars)


def b64url(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def realistic() -> dict[str, tuple[str, str, str]]:
    """rule name -> (file, line, the secret on the line)."""
    telegram = f"{secrets.randbelow(9 * 10**9) + 10**9}:{rand(35)}"
    jwt = ".".join([b64url({"alg": "HS256", "typ": "JWT"}), b64url({"sub": rand(12), "iat": 1760000000}), rand(43)])
    aws = "AKIA" + rand(16, UPPER + "0123456789").upper()
    github = "gh" + "p_" + rand(36)
    slack = "xox" + "b-" + f"{secrets.randbelow(10**12):012d}-" + rand(24)
    azure = rand(3) + "8Q" + "~" + rand(34, ALNUM + "_~-")
    db_password = rand(20)
    app_password = rand(40)
    key_header = "-----BEGIN " + "OPENSSH PRIVATE" + " KEY-----"
    return {
        "telegram-bot-token": ("docs/notes.txt", f"Bot: {telegram}", telegram),
        "private-key": ("deploy/id_ed25519", key_header, key_header),
        "jwt": ("teams/appsettings.json", f'  "auth": "Bearer {jwt}",', jwt),
        "aws-access-key-id": ("deploy/aws.ini", f"aws_access_key_id = {aws}", aws),
        "github-token": ("scripts/release.sh", f"export GH_TOKEN={github}", github),  # one finding, not two
        "slack-token": ("bot/notify.py", f'HOOK = "{slack}"', slack),
        "azure-client-secret": ("teams/app.json", f'"clientSecret": "{azure}"', azure),
        "url-password": ("deploy/lederbot.env",
                         f"KNOWLEDGE_DB_URL=postgresql+psycopg2://lederbot:{db_password}@db.internal:5432/lederbot",
                         db_password),
        "secret-assignment": (".env", "TEAMS_APP_" + "PASSWORD=" + app_password, app_password),
    }


def test_repository_has_no_real_looking_secrets() -> None:
    findings = scan_repo(ROOT, include_allowed=True)
    allowed = [f for f in findings if f.allowed]
    real = [f for f in findings if not f.allowed]
    if allowed:
        warnings.warn(f"lines allowed by '{ALLOW_MARKER}':\n{report(allowed)}", stacklevel=1)
    assert not real, "files that look like they hold a secret (path:line:rule):\n" + "\n".join(
        f"{f.path}:{f.line}:{f.rule}  {f.excerpt}" for f in real)


def test_every_rule_has_a_realistic_example() -> None:
    assert set(realistic()) == {rule.name for rule in RULES}


@pytest.mark.parametrize("rule", sorted(realistic()))
def test_rule_catches_a_realistic_value(rule: str) -> None:
    path, line, secret = realistic()[rule]
    findings = scan_text(f"# header\n{line}\n", path)
    assert [(f.path, f.line, f.rule) for f in findings] == [(path, 2, rule)]
    assert secret not in findings[0].excerpt and secret not in str(findings[0])
    assert "redacted" in findings[0].excerpt


def test_quoted_lowercase_word_in_python_is_a_literal() -> None:
    name, word = "DB_" + "PASSWORD", "correct" + "horse" + "battery" + "staple"
    assert [f.rule for f in scan_text(f'{name} = "{word}"\n', "bot/settings.py")] == ["secret-assignment"]
    # Unquoted in Python it is a variable; in a .env file it is the value itself.
    assert scan_text(f"{name} = {word}\n", "bot/settings.py") == []
    assert [f.rule for f in scan_text(f"{name}={word}\n", "deploy/.env.production")] == ["secret-assignment"]


PLACEHOLDERS = [
    (".env", "TEAMS_APP_PASSWORD="),
    (".env", "TEAMS_APP_PASSWORD=   # set in production"),
    (".env.example", "TELEGRAM_BOT_TOKEN=${TELEGRAM_BOT_TOKEN}"),
    ("deploy/run.sh", "TELEGRAM_WEBHOOK_SECRET=$TELEGRAM_WEBHOOK_SECRET"),
    ("deploy/run.sh", 'TELEGRAM_WEBHOOK_SECRET="$(openssl rand -hex 32)"'),
    ("deploy/lederbot.env", "TELEGRAM_WEBHOOK_SECRET=CHANGE_ME"),
    ("deploy/lederbot.env", "TELEGRAM_WEBHOOK_SECRET=CHANGE_ME_LONG_RANDOM"),
    ("deploy/lederbot.env", "TEAMS_APP_PASSWORD=change-me-to-the-client-secret"),
    ("deploy/lederbot.env", "TEAMS_APP_PASSWORD=changeme"),
    ("docs/teams.md", "TEAMS_APP_PASSWORD=<client secret value>"),
    ("docs/telegram.md", "TELEGRAM_BOT_TOKEN=7312345678:AAH…   # from BotFather"),
    ("deploy/compose.yml", 'POSTGRES_PASSWORD: "xxxxxxxxxxxxxxxx"'),
    ("deploy/compose.yml", "POSTGRES_PASSWORD: '********'"),
    ("deploy/compose.yml", "POSTGRES_PASSWORD: example-password-42"),
    ("deploy/compose.yml", "POSTGRES_PASSWORD: dummy-value-123"),
    ("deploy/compose.yml", "POSTGRES_PASSWORD: {{ postgres_password }}"),
    ("config.toml", 'API_KEY = "secret"'),
    ("config.toml", 'API_KEY = "short"'),
    ("tests/env.py", 'TELEGRAM_TOKEN = "123456:TEST-token-for-the-fake-api"'),
    ("tests/env.py", '"TEAMS_APP_PASSWORD": "test-app-password",'),
    ("tests/env.py", '"TEAMS_APP_PASSWORD": fake.app_password,'),
    ("tests/env.py", '"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,'),
    ("bot/settings.py", 'TOKEN = os.environ["TELEGRAM_BOT_TOKEN"]'),
    ("bot/settings.py", "TOKEN = read_token(path)"),
    ("bot/settings.py", "API_KEY = settings.api_key"),
    ("bot/settings.py", "SECRET = fallback_secret_value"),
    ("bot/settings.py", 'f"TELEGRAM_BOT_TOKEN={token}\\n"'),
    (".env.example", "KNOWLEDGE_DB_URL=postgresql+psycopg2://lederbot:CHANGE_ME@localhost:5432/lederbot"),
    ("README.md", "(`postgresql+psycopg2://user:password@host/db`)"),
    ("deploy/lederbot.env", "KNOWLEDGE_DB_URL=postgresql://lederbot:${POSTGRES_PASSWORD}@db/lederbot"),
    ("bot/db.py", 'url = f"postgresql://{user}:{password}@{host}/{name}"'),
    ("bot/db.py", 'url = "postgresql://postgres@127.0.0.1:54329/lederbot_test"'),
    ("docs/aws.md", "AKIA" + "IOSFODNN7EXAMPLE"),
]


@pytest.mark.parametrize(("path", "line"), PLACEHOLDERS)
def test_placeholders_are_not_findings(path: str, line: str) -> None:
    assert scan_text(line + "\n", path) == []


def test_obviously_fake_tokens_are_not_findings() -> None:
    lines = [
        "1234567890" + ":" + "A" * 35,
        "1234567890" + ":" + "test" + rand(31),
        "AKIA" + "0" * 16,
        "gh" + "p_" + "x" * 36,
        "gh" + "p_" + "fake" + rand(32),
        "xox" + "b-" + "1" * 20,
        ".".join(["eyJ" + "A" * 20] * 2 + ["B" * 20]),
    ]
    assert scan_text("\n".join(lines), "tests/fixtures.py") == []


def test_assignments_are_only_checked_in_config_and_source_files() -> None:
    line = "TEAMS_APP_" + "PASSWORD=" + rand(30)
    assert [f.rule for f in scan_text(line, "deploy/lederbot.service")] == ["secret-assignment"]
    assert scan_text(line, "widget/src/app.js") == []


def test_allow_marker_keeps_a_fixture_out_of_findings_but_reports_it() -> None:
    token = f"{secrets.randbelow(9 * 10**9) + 10**9}:{rand(35)}"
    text = f'FIXTURE = "{token}"  # secret-scan' + ": allow\n"
    assert scan_text(text, "tests/fixtures.py") == []
    [finding] = scan_text(text, "tests/fixtures.py", include_allowed=True)
    assert finding.allowed and finding.rule == "telegram-bot-token" and token not in str(finding)
    assert "allowed" in str(finding)


def test_two_secrets_on_one_line_are_both_redacted() -> None:
    aws, github = "AKIA" + rand(16, UPPER + "0123456789").upper(), "gh" + "o_" + rand(36)
    findings = scan_text(f"keys: {aws} {github}", "notes.txt")
    assert sorted(f.rule for f in findings) == ["aws-access-key-id", "github-token"]
    assert all(aws not in f.excerpt and github not in f.excerpt for f in findings)


def write(root: Path, name: str, content: str | bytes) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def test_scan_repo_walks_a_directory_without_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))  # never the repository around tmp
    samples = realistic()
    for path, line, _ in samples.values():
        write(tmp_path, path, f"# {path}\n{line}\n")
    write(tmp_path, "README.md", "TEAMS_APP_PASSWORD=<client secret value>\n")
    leak = samples["github-token"][1]
    for skipped in (".venv/lib/leak.py", "node_modules/pkg/leak.sh", "var/leak.sh", "models/leak.sh",
                    "results/leak.sh", "dist/leak.sh", ".git/leak.sh"):
        write(tmp_path, skipped, leak + "\n")
    write(tmp_path, "widget/logo.sh", b"\x89PNG\0\0" + leak.encode())  # binary
    write(tmp_path, "large.sh", "#" * MAX_FILE_BYTES + "\n" + leak + "\n")  # too large

    findings = scan_repo(tmp_path)
    assert sorted((f.path, f.line, f.rule) for f in findings) == sorted(
        (path, 2, rule) for rule, (path, _, _) in samples.items())
    secrets_ = [secret for _, _, secret in samples.values()]
    assert not any(secret in str(f) for f in findings for secret in secrets_)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_scan_repo_reads_only_the_files_git_tracks(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _, tracked_line, _ = realistic()["secret-assignment"]
    write(tmp_path, "deploy/lederbot.env", tracked_line + "\n")
    write(tmp_path, "untracked.env", tracked_line + "\n")
    subprocess.run(["git", "add", "deploy/lederbot.env"], cwd=tmp_path, check=True)
    assert [(f.path, f.rule) for f in scan_repo(tmp_path)] == [("deploy/lederbot.env", "secret-assignment")]


def test_env_files_are_not_tracked() -> None:
    try:
        result = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    names = [name for name in result.stdout.decode().split("\0") if name]
    tracked_env = [name for name in names
                   if (base := Path(name).name) == ".env"
                   or (base.startswith(".env.") and not base.endswith(".example"))]
    assert tracked_env == [], f"environment files with real settings are tracked by git: {tracked_env}"


def test_finding_is_frozen() -> None:
    finding = Finding("a.env", 1, "secret-assignment", "X=…")
    with pytest.raises(AttributeError):
        finding.line = 2  # type: ignore[misc]
