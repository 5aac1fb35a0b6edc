"""The production deployment files in deploy/ (docs/deploy.md): consistent with each other and the guide.

What runs everywhere: the Compose file and both Helm values files as YAML (only nginx publishes a port,
two replicas of Rasa and of the action servers, every setting documented and in .env.prod.example, no
secret values), the Dockerfile against its .dockerignore. What needs tools that may be missing (skipped
with the reason): `docker compose config` / `docker-compose config`, and `nginx -t`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY / ".env.prod.example"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = DEPLOY / "Dockerfile.dockerignore"
NGINX_CONF = DEPLOY / "nginx" / "compose.conf"
HELM_VALUES = [DEPLOY / "helm" / "values-rasa.yml", DEPLOY / "helm" / "values-action-server.yml"]
GUIDE = ROOT / "docs" / "deploy.md"

REQUIRED = ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "RASA_API_TOKEN")
SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|API_KEY")
VAR_REF = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?\}")
# Values that are clearly placeholders in a sample env (and accepted by the project's secret scanner).
SAMPLE_ENV = {
    "POSTGRES_PASSWORD": "CHANGE_ME_postgres",
    "REDIS_PASSWORD": "CHANGE_ME_redis",
    "RASA_API_TOKEN": "CHANGE_ME_rasa_api_token",
    "WEBCHAT_ALLOWED_ORIGINS": "https://intranet.example.dk",
    "SENDER_ID_KEY": "CHANGE_ME_sender_id_key",
}


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = _yaml(COMPOSE)
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def _example_vars() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Z_][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def _without_comments(path: Path) -> str:
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith("#"))


def _compose_vars() -> set[str]:
    return set(VAR_REF.findall(_without_comments(COMPOSE)))


def _documented(name: str, guide: str) -> bool:
    return f"`{name}`" in guide or re.search(rf"`{name}`,", guide) is not None


# --- the Compose file ---------------------------------------------------------------------------------

def test_compose_has_the_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgres", "redis", "knowledge-load", "retention", "actions", "rasa", "nginx"}


def test_only_nginx_publishes_a_port(compose: dict[str, Any]) -> None:
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert published == {"nginx"}
    assert compose["services"]["nginx"]["ports"] == ["${PUBLIC_PORT:-8080}:80"]
    for name, service in compose["services"].items():
        assert service.get("network_mode") != "host", name


def test_rasa_and_actions_run_twice(compose: dict[str, Any]) -> None:
    for name in ("rasa", "actions"):
        assert compose["services"][name]["deploy"]["replicas"] == 2, name
    for path in HELM_VALUES:
        assert _yaml(path)["replicaCount"] == 2, path.name


def test_servers_use_the_project_commands(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["rasa"]["command"] == [
        "python", "-m", "bot", "serve", "rasa", "--port", "5005", "--endpoints", "endpoints.prod.yml"]
    assert services["actions"]["command"] == [
        "python", "-m", "bot", "serve", "actions", "--host", "0.0.0.0", "--port", "5055"]
    assert services["knowledge-load"]["command"] == ["python", "-m", "bot", "knowledge", "load"]
    assert services["actions"]["depends_on"]["knowledge-load"]["condition"] == "service_completed_successfully"
    assert services["rasa"]["environment"]["ACTION_ENDPOINT_URL"] == "http://nginx:5055/webhook"


def test_required_secrets_are_required(compose: dict[str, Any]) -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    for name in REQUIRED:
        assert re.search(rf"\$\{{{name}:\?[^}}]+\}}", text), f"{name} must be ${{{name}:?message}}"
        assert not re.search(rf"\$\{{{name}(?::?-[^}}]*)?\}}", text), f"{name} must never have a default"


def test_endpoints_variables_are_set_for_rasa(compose: dict[str, Any]) -> None:
    """endpoints.prod.yml's ${VAR}s: Rasa stops on an unset one, so the rasa service sets them all."""
    endpoints = ROOT / "endpoints.prod.yml"
    used = set(VAR_REF.findall(_without_comments(endpoints)))
    assert used, "endpoints.prod.yml names no variables"
    assert used <= set(compose["services"]["rasa"]["environment"])


# --- variables: documented and in the example ---------------------------------------------------------

def test_every_compose_variable_is_documented_and_in_the_example(guide: str) -> None:
    example = _example_vars()
    used = _compose_vars()
    assert set(REQUIRED) <= used
    missing_doc = sorted(v for v in used if not _documented(v, guide))
    missing_example = sorted(used - set(example))
    assert not missing_doc, f"not in docs/deploy.md: {missing_doc}"
    assert not missing_example, f"not in deploy/.env.prod.example: {missing_example}"


def test_the_example_has_no_stale_variables() -> None:
    stale = sorted(set(_example_vars()) - _compose_vars())
    assert not stale, f"deploy/.env.prod.example lists variables docker-compose.yml does not use: {stale}"


def test_every_container_variable_is_documented(compose: dict[str, Any], guide: str) -> None:
    names = set()
    for service in compose["services"].values():
        names |= set(service.get("environment") or {})
    names -= {"POSTGRES_USER", "POSTGRES_DB", "REDISCLI_AUTH"}  # the postgres/redis images' own settings
    missing = sorted(n for n in names if not _documented(n, guide))
    assert not missing, f"not in docs/deploy.md: {missing}"


def test_every_helm_variable_is_documented(guide: str) -> None:
    example = _example_vars()
    for path in HELM_VALUES:
        for name in VAR_REF.findall(_without_comments(path)):
            assert _documented(name, guide), f"{path.name}: ${{{name}}} not in docs/deploy.md"
            assert name in example, f"{path.name}: ${{{name}}} not in deploy/.env.prod.example"
        for entry in _yaml(path).get("extraEnv", []):
            assert _documented(entry["name"], guide), f"{path.name}: {entry['name']} not in docs/deploy.md"


# --- no secret values ---------------------------------------------------------------------------------

def test_no_literal_secrets_in_compose(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            value = str(value)
            if SECRET_NAME.search(key) or key == "REDISCLI_AUTH":
                assert VAR_REF.fullmatch(value), f"{name}.{key} must come from ${{...}}, not a literal"
            for password in re.findall(r"://[^:/@\s]+:([^@\s]+)@", value):
                assert VAR_REF.fullmatch(password), f"{name}.{key}: the URL's password must be ${{...}}"


def test_example_holds_only_placeholders() -> None:
    for name, value in _example_vars().items():
        if SECRET_NAME.search(name):
            assert value in ("", "CHANGE_ME"), f"{name} in deploy/.env.prod.example must be CHANGE_ME or empty"


def test_helm_secrets_come_from_a_secret() -> None:
    for path in HELM_VALUES:
        values = _yaml(path)
        for entry in values.get("extraEnv", []):
            if SECRET_NAME.search(entry["name"]) or entry["name"].endswith("DB_URL"):
                assert "value" not in entry, f"{path.name}: {entry['name']} must not have a literal value"
                assert entry["valueFrom"]["secretKeyRef"]["name"], path.name


def test_helm_action_server_is_internal() -> None:
    values = _yaml(HELM_VALUES[1])
    assert values["ingress"]["enabled"] is False
    assert values["service"]["type"] == "ClusterIP"
    rasa = _yaml(HELM_VALUES[0])
    assert rasa["applicationSettings"]["initialModel"] == ""  # no download of the chart's demo model
    assert rasa["postgresql"]["install"] is False and rasa["redis"]["install"] is False


def test_dockerfile_bakes_in_no_secret() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    for line in text.splitlines():
        if re.match(r"^\s*(ENV|ARG)\b", line) or line.startswith("    "):
            assert not SECRET_NAME.search(line), f"secret-like setting in the Dockerfile: {line.strip()}"
    assert not re.search(r"COPY\s+[^\n]*\.env", text)


def test_the_projects_secret_scanner_finds_nothing() -> None:
    from tools import secret_scan as scanner

    files = [COMPOSE, ENV_EXAMPLE, DOCKERFILE, DOCKERIGNORE, NGINX_CONF, GUIDE, DEPLOY / "postgres" / "init.sql",
             *HELM_VALUES]
    findings = [f for path in files
                for f in scanner.scan_text(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())]
    assert not findings, "\n".join(str(f) for f in findings)


# --- the Dockerfile -----------------------------------------------------------------------------------

def _copy_sources() -> list[str]:
    sources = []
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^COPY\s+(?!--)(.+)$", line.strip())
        if match:
            sources += [s.rstrip("/") for s in match.group(1).split()[:-1]]
    return sources


def test_dockerfile_basics() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.10-slim$", text, re.MULTILINE)
    assert "pip install -c requirements.lock ." in text
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    sources = set(_copy_sources())
    for needed in ("knowledge", "actions", "bot", "domain.yml", "config.yml", "credentials.yml",
                   "endpoints.prod.yml", "models/lederassistent.tar.gz", "var/spacy-da"):
        assert needed in sources, needed


def test_dockerignore_lets_every_copied_path_through() -> None:
    patterns = [p.strip() for p in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
                if p.strip() and not p.startswith("#")]
    assert patterns[0] == "*", "the ignore file is an allow-list"
    allowed = {p[1:] for p in patterns if p.startswith("!")}
    for source in _copy_sources():
        assert source in allowed, f"{source} is copied but excluded from the build context"
    assert not any(".env" in a or a.startswith(".venv") for a in allowed)


def test_tracked_copy_sources_exist() -> None:
    built = {"models/lederassistent.tar.gz", "var/spacy-da"}  # made by `make train` before `docker build`
    for source in _copy_sources():
        if source not in built:
            assert (ROOT / source).exists(), source


# --- tools: compose config, nginx -t ------------------------------------------------------------------

def _compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def _clean_env(tmp_path: Path) -> dict[str, str]:
    """No settings from the developer's shell: only what the env file gives."""
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}


def _run_config(command: list[str], env_file: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*command, "-f", str(COMPOSE), "--env-file", str(env_file), "config"],
                          capture_output=True, text=True, check=False, env=_clean_env(tmp_path), timeout=120)


def test_compose_config_validates(tmp_path: Path) -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    env_file = tmp_path / "sample.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in SAMPLE_ENV.items()), encoding="utf-8")
    result = _run_config(command, env_file, tmp_path)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    rasa_env = resolved["services"]["rasa"]["environment"]
    assert rasa_env["TRACKER_DB_URL"] == (
        "postgresql+psycopg2://lederbot:CHANGE_ME_postgres@postgres:5432/lederbot_tracker")
    assert rasa_env["REDIS_DB"] == "0" and rasa_env["TICKET_LOCK_LIFETIME"] == "15"
    assert resolved["services"]["actions"]["environment"]["KNOWLEDGE_DB_URL"].endswith("@postgres:5432/lederbot")


@pytest.mark.parametrize("missing", REQUIRED)
def test_compose_config_refuses_a_missing_secret(tmp_path: Path, missing: str) -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    env_file = tmp_path / "sample.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in SAMPLE_ENV.items() if k != missing), encoding="utf-8")
    result = _run_config(command, env_file, tmp_path)
    assert result.returncode != 0
    assert missing in result.stderr


def test_nginx_config_syntax(tmp_path: Path) -> None:
    """`nginx -t` on a copy with the Compose service names replaced by 127.0.0.1: they resolve only
    inside the Compose network, and nginx resolves upstream names while it reads the configuration."""
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light)")
    conf = NGINX_CONF.read_text(encoding="utf-8")
    assert "server rasa:5005" in conf and "server actions:5055" in conf
    (tmp_path / "logs").mkdir()
    (tmp_path / "default.conf").write_text(
        conf.replace("server rasa:5005", "server 127.0.0.1:5005").replace("server actions:5055",
                                                                           "server 127.0.0.1:5055"),
        encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/default.conf;\n}}\n", encoding="utf-8")
    result = subprocess.run([nginx, "-t", "-p", f"{tmp_path}/", "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_nginx_listeners() -> None:
    conf = NGINX_CONF.read_text(encoding="utf-8")
    assert re.findall(r"^\s*listen\s+(\S+);", conf, re.MULTILINE) == ["80", "5055"]
    socketio = conf.split("location /socket.io/", 1)[1].split("}", 1)[0]
    assert "proxy_pass http://rasa_socketio;" in socketio and "Upgrade $http_upgrade" in socketio
    sticky = conf.split("upstream rasa_socketio", 1)[1].split("}", 1)[0]
    assert "hash $remote_addr consistent;" in sticky
    assert "proxy_next_upstream error timeout http_502 http_503 non_idempotent;" in conf
    assert "client_max_body_size 64k;" in conf
