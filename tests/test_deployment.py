"""The Dockerfile's commands run the app here with the image's environment; compose file is complete."""

import json
import os
import shlex
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def dockerfile() -> list[tuple[str, str]]:
    """Return the Dockerfile's (INSTRUCTION, arguments), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            out.append((instruction.upper(), rest.strip()))
    return out


def image_env() -> dict:
    env = {}
    for instruction, rest in dockerfile():
        if instruction == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(rest))
    return env


def exec_form(instruction: str) -> list[str]:
    (rest,) = [r for i, r in dockerfile() if i == instruction]
    if instruction == "HEALTHCHECK":
        rest = rest[rest.index("CMD ") + 4:]
    return json.loads(rest)


def local(command: list[str]) -> list[str]:
    """Run an image command with this virtualenv's programs."""
    program = sys.executable if command[0] == "python" else str(VENV_BIN / command[0])
    return [program, *command[1:]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_image_basics():
    steps = dockerfile()
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [r for i, r in steps if i == "USER"]
    assert users and users[-1] not in ("root", "0")
    env = image_env()
    assert env["GEOAPP_DATA_DIR"] in json.loads([r for i, r in steps if i == "VOLUME"][0])
    assert env["GEOAPP_WORKERS"].isdigit() and env["GEOAPP_BIND"].startswith("0.0.0.0:")
    assert "healthz" in " ".join(exec_form("HEALTHCHECK"))
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var"} <= set(ignored) and "README.md" not in ignored


def test_requirements_step_lists_the_project_dependencies(tmp_path):
    (step,) = [r for i, r in dockerfile() if i == "RUN" and "tomllib" in r]
    extract = step.split(" > ", 1)[0]
    result = subprocess.run(extract, shell=True, cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"})
    assert result.returncode == 0, result.stderr
    expected = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert result.stdout.split() == expected


def test_cmd_serves_the_app_and_the_healthcheck_passes(tmp_path):
    port = free_port()
    env = {**os.environ, **image_env(), "GEOAPP_DATA_DIR": str(tmp_path / "data"),
           "GEOAPP_BIND": f"127.0.0.1:{port}", "MPLCONFIGDIR": str(tmp_path / "mpl")}
    env.pop("GEOAPP_DATABASE_URL", None)
    healthcheck = local(exec_form("HEALTHCHECK"))
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(local(exec_form("CMD")), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(healthcheck, env=env, capture_output=True).returncode != 0:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        text = log.read_text()
        assert f"Listening at: http://127.0.0.1:{port}" in text
        assert text.count("Booting worker") == int(image_env()["GEOAPP_WORKERS"])
    finally:
        server.terminate()
        server.wait(30)
    assert subprocess.run(healthcheck, env=env, capture_output=True).returncode != 0


def test_compose_runs_the_app_on_postgis_with_volumes():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    db, app = compose["services"]["db"], compose["services"]["app"]
    assert db["image"].startswith("postgis/postgis:")
    assert app["build"] == "."
    assert app["depends_on"]["db"]["condition"] == "service_healthy" and "healthcheck" in db
    url = app["environment"]["GEOAPP_DATABASE_URL"]
    assert url.startswith("postgresql://") and "@db:5432/" + db["environment"]["POSTGRES_DB"] in url
    assert "GEOAPP_WORKERS" in app["environment"] and "GEOAPP_SECRET_KEY" in app["environment"]
    volumes = {v.split(":")[0]: v.split(":")[1] for s in (db, app) for v in s["volumes"]}
    assert volumes == {"pgdata": "/var/lib/postgresql/data", "appdata": image_env()["GEOAPP_DATA_DIR"]}
    assert set(compose["volumes"]) == {"pgdata", "appdata"}
