"""The production files, checked without a container engine (none on these machines): the
compose topology, the image recipe and the systemd unit."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from bot.config import Settings

ROOT = Path(__file__).parent.parent
BOTS = ("bot-1", "bot-2")


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def needs(service: dict) -> dict[str, str]:
    return {name: cond["condition"] for name, cond in service.get("depends_on", {}).items()}


def test_compose_starts_postgres_then_the_migrations_then_two_webhook_bots_behind_a_proxy():
    services = compose()["services"]
    assert set(services) == {"postgres", "migrate", *BOTS, "proxy"}
    postgres = services["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])

    migrate = services["migrate"]
    assert migrate["command"] == ["db", "upgrade"] and migrate["restart"] == "no"
    assert needs(migrate) == {"postgres": "service_healthy"}

    for name in BOTS:
        bot = services[name]
        assert bot["command"] == ["run"]
        assert needs(bot) == {"migrate": "service_completed_successfully"}
        assert "/healthz" in " ".join(bot["healthcheck"]["test"])
    assert needs(services["proxy"]) == dict.fromkeys(BOTS, "service_healthy")
    assert (
        services["migrate"]["build"] == "." and services["migrate"]["image"] == "kinerja-bot:latest"
    )


def test_both_bots_share_the_webhook_its_secret_the_database_and_the_documents():
    services = compose()["services"]
    first, second = (services[name] for name in BOTS)
    for key in ("WEBHOOK_URL", "WEBHOOK_SECRET", "DATABASE_URL", "DATA_DIR", "BOT_TOKEN"):
        assert first["environment"][key] == second["environment"][key], key
    env = first["environment"]
    assert env["WEBHOOK_SECRET"].startswith("${WEBHOOK_SECRET:?")
    assert env["WEBHOOK_URL"].startswith("https://") and env["WEBHOOK_URL"].endswith("/telegram")
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert services["migrate"]["environment"]["DATABASE_URL"] == env["DATABASE_URL"]
    assert first["volumes"] == second["volumes"] == [f"files:{env['DATA_DIR']}"]
    assert env["WEBHOOK_PORT"] == "8443" and env["WEBHOOK_LISTEN"] == "0.0.0.0"


def test_the_proxy_spreads_the_webhook_over_both_bots_and_shows_healthz():
    proxy = compose()["services"]["proxy"]
    mounted = [v.split(":")[0] for v in proxy["volumes"]]
    caddyfile = (ROOT / mounted[0]).read_text()
    assert mounted[0] == "./deploy/Caddyfile"
    assert "reverse_proxy bot-1:8443 bot-2:8443" in caddyfile
    assert "handle /telegram {" in caddyfile and "handle /healthz {" in caddyfile
    assert "health_uri /healthz" in caddyfile and "/metrics {" not in caddyfile
    assert set(proxy["ports"]) == {"80:80", "443:443"}


def test_the_image_installs_every_package_and_runs_as_a_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim\n" in dockerfile
    include = re.search(r"^include = \[(.*)\]$", (ROOT / "pyproject.toml").read_text(), re.M)
    for name in re.findall(r'"(\w+)\*"', include[1]):
        assert f"COPY {name} ./{name}\n" in dockerfile, name
    assert "RUN pip install ." in dockerfile
    users = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert users == ["kinerja"]
    assert 'ENTRYPOINT ["kinerja-bot"]' in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ".env" in ignored and ".venv" in ignored and "data" in ignored


def test_the_systemd_unit_runs_the_sqlite_install_as_a_user(tmp_path: Path):
    text = (ROOT / "deploy" / "kinerja-bot.service").read_text()
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str
    unit.read_string(text)
    service = unit["Service"]
    assert service["User"] == "kinerja" and service["Restart"] == "on-failure"
    assert service["WorkingDirectory"] == "/opt/kinerja-bot"
    assert service["EnvironmentFile"] == "/opt/kinerja-bot/.env"
    assert service["ExecStart"] == "/opt/kinerja-bot/.venv/bin/kinerja-bot run"
    assert "DATABASE_URL" not in text and unit["Install"]["WantedBy"] == "multi-user.target"
    if shutil.which("systemd-analyze"):
        # systemd's own reading, with ExecStart pointed at a program that exists here.
        local = tmp_path / "kinerja-bot.service"
        local.write_text(text.replace("/opt/kinerja-bot/.venv/bin/kinerja-bot", sys.executable))
        done = subprocess.run(
            ["systemd-analyze", "verify", str(local)], capture_output=True, text=True
        )
        assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_env_example_lists_every_setting_and_what_compose_asks_for():
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    fields = {(f.validation_alias or n).upper() for n, f in Settings.model_fields.items()}
    asked = set(re.findall(r"\$\{(\w+):\?", (ROOT / "compose.yaml").read_text()))
    assert {"LOG_FORMAT", "DOMAIN", "POSTGRES_PASSWORD", "WEBHOOK_SECRET"} <= listed
    assert fields | asked == listed
