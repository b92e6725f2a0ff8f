"""Self-hosting with Docker Compose, run with real containers (podman and podman-compose).

The web image is built from the project's Dockerfile (on a local Debian base standing in for
the official slim Python image, which cannot be pulled here), and the stack comes up from the
project's compose.yaml with tests/containers/compose.test.yaml swapping in local Postgres and
Redis images and host networking on free loopback ports. podman-compose cannot wait on
depends_on conditions, so the test starts the services in that order itself: db (until
pg_isready answers), the one-shot migrate, then web and worker — as `docker compose up -d` does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from movie_lottery.config import Settings

from .containers.harness import HERE, ROOT, Compose, Podman, debian_mirror, unavailable_reason
from .fakes.telegram_api import FakeTelegram
from .servers import free_port
from .test_notifier import wait_until
from .workers import FIXED_CHAT, TOKEN

ARTIFACTS = ROOT / "test-artifacts"
# Settings compose.yaml makes itself: the database and Redis URLs point at its own services,
# and the port inside the container is fixed (WEB_PORT publishes it on the host).
SET_BY_COMPOSE = {"DATABASE_URL", "REDIS_URL", "PORT"}
# A fresh machine builds the base image and the stand-ins first (a few minutes).
containers = pytest.mark.timeout(1500)
SKIP_VARIABLE = "TEST_SKIP_CONTAINERS"


def env_example() -> dict[str, str]:
    return dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", (ROOT / ".env.example").read_text(), re.M))


# Variables gunicorn_config.py reads that compose does not pass, with the reason.
GUNICORN_NOT_PASSED = {
    "PORT": "fixed inside the container (WEB_PORT publishes it)",
    "MIGRATE_ON_START": "Render's free plan; compose runs the one-shot migrate service instead",
    "CGROUP_ROOT": "the tests' fake cgroup tree; a container reads its own /sys/fs/cgroup",
}


def gunicorn_variables() -> set[str]:
    source = (ROOT / "gunicorn_config.py").read_text()
    return set(re.findall(r"""environ(?:\.get\(|\[)["']([A-Z][A-Z0-9_]*)["']""", source))


def test_env_example_and_compose_cover_every_setting():
    listed = env_example()
    compose = (ROOT / "compose.yaml").read_text()
    assert {"GUNICORN_THREADS", "GUNICORN_TIMEOUT", "WEB_CONCURRENCY"} <= gunicorn_variables()
    for name in sorted(
        {field.upper() for field in Settings.model_fields} | gunicorn_variables() - set(GUNICORN_NOT_PASSED)
    ):
        if name in SET_BY_COMPOSE:
            assert f"{name}:" in compose, name
            continue
        assert name in listed, f".env.example does not list {name}"
        assert re.search(rf"^\s+{name}: \$\{{{name}(:[-?][^}}]*)?\}}", compose, re.M), (
            f"compose.yaml does not pass {name}"
        )
    assert listed["SECRET_KEY"] == "" and listed["POSTGRES_PASSWORD"] == ""


def seconds(duration: str) -> float:
    """A compose duration such as 30s, 1m30s or 1500ms."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|us|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(n) * units[u] for n, u in parts)


def test_compose_gives_gunicorn_and_the_worker_time_to_stop_gracefully():
    """docker stops a container with SIGTERM and kills it 10 s later unless stop_grace_period
    says otherwise: gunicorn waits up to its graceful_timeout for requests in flight, and the
    worker finishes its message in flight (the heartbeat loop notices within a beat, then the
    outbox gets 8 s)."""
    from movie_lottery.worker import notifier

    from .test_deploy import gunicorn_settings

    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    graceful = float(gunicorn_settings()["graceful_timeout"])
    assert seconds(services["web"]["stop_grace_period"]) >= graceful + 5
    assert seconds(services["worker"]["stop_grace_period"]) >= notifier.HEARTBEAT_SECONDS + 8 + 5


def test_compose_wires_the_image_as_the_readme_says():
    compose = (ROOT / "compose.yaml").read_text()
    assert 'command: ["flask", "--app", "movie_lottery", "upgrade-db"]' in compose
    assert 'command: ["python", "-m", "movie_lottery.worker"]' in compose
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG BASE=python:3\.\d+-slim", dockerfile, re.M)
    assert 'CMD ["gunicorn", "-c", "gunicorn_config.py", "wsgi:app"]' in dockerfile
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Self-hosting with Docker Compose", 1)[1].split("\n## ", 1)[0]
    for needed in (
        "cp .env.example .env",
        "docker compose up -d",
        "TRUSTED_PROXY_HOPS",
        "QBIT_HOST=http://qbittorrent:8080",
        "--profile qbittorrent",
        "Caddy",
        "Cloudflare Tunnel",
        "ADMIN_PASSWORD",
        "TELEGRAM_BOT_TOKEN",
        "secure context",
        "tls internal",
        "tailscale serve",
        "docker compose stop web worker",
        "import --replace",
    ):
        assert needed in section, needed


def test_debootstrap_uses_the_mirror_the_hosts_apt_uses(tmp_path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\nComponents: main\n\n"
        "Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\nComponents: main\n"
    )
    (tmp_path / "sources.list.d" / "other.list.disabled").write_text(
        "deb http://elsewhere.invalid/debian bookworm main\n"
    )
    assert debian_mirror(tmp_path) == "http://mirror.invalid/debian"
    (tmp_path / "sources.list").write_text("# comment\ndeb [arch=amd64] http://one-line.invalid/debian bookworm main\n")
    assert debian_mirror(tmp_path) == "http://one-line.invalid/debian"


# -- the real containers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def podman(tmp_path_factory) -> Podman:
    """The container tests fail, never skip, where they cannot run (scripts/test.sh installs the
    tools), on CI and on a developer's machine alike; TEST_SKIP_CONTAINERS=1 (README) leaves
    them out on purpose."""
    reason = unavailable_reason()
    if reason is not None:
        if os.environ.get(SKIP_VARIABLE) == "1":
            pytest.skip(f"{SKIP_VARIABLE}=1: {reason}")
        pytest.fail(f"the container tests cannot run: {reason} (or set {SKIP_VARIABLE}=1 to leave them out)")
    return Podman(tmp_path_factory.mktemp("podman"))


class Images:
    def __init__(self, podman: Podman):
        started = time.monotonic()
        self.base = podman.base_image()
        self.postgres = podman.service_image("postgres", self.base)
        self.redis = podman.service_image("redis", self.base)
        self.prepared_in = time.monotonic() - started
        self.web = f"localhost/movie-lottery-test-web:run-{os.getpid()}"
        started = time.monotonic()
        podman.build(self.web, ROOT, self.base)
        self.web_built_in = time.monotonic() - started


@pytest.fixture(scope="module")
def images(podman) -> Images:
    built = Images(podman)
    yield built
    podman.podman("rmi", built.web, check=False)
    # Layers of older builds of the project's image: keep a day's worth of podman's build cache.
    podman.podman("image", "prune", "-f", "--filter", "until=24h", check=False)


@pytest.fixture(scope="module")
def telegram():
    fake = FakeTelegram(TOKEN)
    yield fake
    fake.close()


class Stack:
    def __init__(self, podman: Podman, compose: Compose, ports: dict[str, int]):
        self.podman, self.compose, self.ports = podman, compose, ports
        self.url = f"http://127.0.0.1:{ports['TEST_WEB_PORT']}"

    def container(self, service: str) -> str:
        return self.compose.container(service)

    def logs(self, service: str) -> str:
        result = self.podman.podman("logs", self.container(service), check=False)
        return result.stdout + result.stderr

    def up(self) -> None:
        """db, then migrate once it accepts connections, then web and worker."""
        self.compose("up", "-d", "--no-deps", "db", "redis")
        db_ready = [
            "exec",
            self.container("db"),
            "pg_isready",
            "-q",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.ports["TEST_DB_PORT"]),
        ]
        assert wait_until(lambda: self.podman.podman(*db_ready, check=False).returncode == 0, 90, step=0.5), self.logs(
            "db"
        )
        self.compose("up", "-d", "--no-deps", "migrate")
        exit_code = self.podman.podman("wait", self.container("migrate"), timeout=180).stdout.strip()
        assert exit_code == "0", self.logs("migrate")
        self.compose("up", "-d", "--no-deps", "web", "worker")
        assert wait_until(self.healthy, 60, step=0.2), self.logs("web")

    def healthy(self) -> bool:
        try:
            return requests.get(self.url + "/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def ready(self) -> dict:
        return requests.get(self.url + "/ready", timeout=10).json()


def write_env_file(path: Path, **values: str) -> Path:
    """The README's first step: copy .env.example and fill in what it asks for."""
    text = (ROOT / ".env.example").read_text()
    for name, value in values.items():
        text, found = re.subn(rf"^{name}=.*$", f"{name}={value}", text, flags=re.M)
        assert found == 1, name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def stack(podman, images, telegram, tmp_path_factory) -> Stack:
    workdir = tmp_path_factory.mktemp("compose")
    env_file = write_env_file(
        workdir / ".env",
        SECRET_KEY="compose-test-secret",
        POSTGRES_PASSWORD="composeTest42",
        ADMIN_PASSWORD="compose admin",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_CHAT_ID=FIXED_CHAT,
        TELEGRAM_API_URL=telegram.url,
        SITE_URL="https://kino.example.org",
        LOG_LEVEL="INFO",
    )
    ports = {name: free_port() for name in ("TEST_DB_PORT", "TEST_REDIS_PORT", "TEST_WEB_PORT")}
    env = {
        "TEST_WEB_IMAGE": images.web,
        "TEST_POSTGRES_IMAGE": images.postgres,
        "TEST_REDIS_IMAGE": images.redis,
        **{name: str(port) for name, port in ports.items()},
    }
    podman.remove_stale_projects("mltest")
    compose = podman.compose(f"mltest{os.getpid()}", env_file, HERE / "compose.test.yaml", env)
    running = Stack(podman, compose, ports)
    try:
        running.up()
        yield running
    finally:
        compose("down", "-v", "-t", "10", check=False, timeout=300)


@pytest.mark.slow
@containers
def test_the_image_is_small_and_runs_nobody_as_root(podman, images):
    inspected = json.loads(podman.podman("image", "inspect", images.web).stdout)[0]
    config = inspected["Config"]
    assert config["User"] == "app"
    assert config["Cmd"] == ["gunicorn", "-c", "gunicorn_config.py", "wsgi:app"]
    assert "/health" in " ".join(inspected["Healthcheck"]["Test"])
    probe = (
        "id -u; ls movie_lottery/translations/*/LC_MESSAGES/ /opt/venv/bin; "
        "for tool in gcc cc make; do command -v $tool || true; done; ls -a ~"
    )
    shown = podman.podman("run", "--rm", images.web, "sh", "-c", probe).stdout
    assert shown.split()[0] == "10001"
    assert "messages.mo" in shown and "messages.po" not in shown  # compiled at build time
    assert "gunicorn" in shown and not re.search(r"^(pip\S*|\S*/(gcc|cc|make))$", shown, re.M), shown
    caches = podman.podman(
        "run",
        "--rm",
        "--user",
        "root",
        images.web,
        "sh",
        "-c",
        "find / -xdev -name .cache -o -name '*.deb' -o -path '/var/lib/apt/lists/*' | head",
    ).stdout
    assert caches.strip() == "", caches
    size, base = podman.image_size(images.web), podman.image_size(images.base)
    ARTIFACTS.mkdir(exist_ok=True)
    report = (
        f"web image {size / 1e6:.0f} MB = base {base / 1e6:.0f} MB + the site {(size - base) / 1e6:.0f} MB; "
        f"base and stand-ins ready in {images.prepared_in:.0f} s, web image built in {images.web_built_in:.0f} s\n"
    )
    (ARTIFACTS / "image-size.txt").write_text(report)
    print(report)


@pytest.mark.slow
@containers
def test_the_stack_serves_and_the_worker_announces_a_draw(stack, telegram):
    assert requests.get(stack.url + "/health", timeout=5).json() == {"status": "ok"}
    assert requests.get(stack.url + "/", timeout=10).status_code == 200
    assert "database upgraded from an empty database" in stack.logs(
        "migrate"
    ) and "database is up to date" in stack.logs("migrate")
    assert wait_until(lambda: stack.ready()["checks"].get("notifier") == "alive", 30, step=0.5), stack.logs("worker")
    assert stack.ready()["checks"]["database"] == "ok"

    body = {"title": "Compose night", "entries": [{"title": "Brat", "year": 1997}, {"title": "Amelie", "year": 2001}]}
    created = requests.post(stack.url + "/api/lotteries", json=body, timeout=10)
    assert created.status_code == 201, created.text
    lottery_id = created.json()["id"]
    drawn = requests.post(f"{stack.url}/api/lotteries/{lottery_id}/draw", timeout=10)
    assert drawn.status_code == 200, drawn.text
    assert wait_until(lambda: telegram.messages_for(FIXED_CHAT), 30), stack.logs("worker")
    text = telegram.messages_for(FIXED_CHAT)[0]["text"]
    assert f"https://kino.example.org/l/{lottery_id}" in text
    assert drawn.json()["winner"]["title"] in text
    assert not telegram.refusals
    redis_keys = stack.podman.podman(
        "exec",
        stack.container("redis"),
        "redis-cli",
        "-p",
        str(stack.ports["TEST_REDIS_PORT"]),
        "--scan",
        "--pattern",
        "movie_lottery:*",
    ).stdout
    assert "movie_lottery:limits" in redis_keys  # the creation's rate limit counts in the stack's Redis
    for lang in ("ru", "en"):  # dates formatted with Babel's locale data, which the image trims
        stats = requests.get(f"{stack.url}/stats?lang={lang}", timeout=10)
        assert stats.status_code == 200 and f'<html lang="{lang}"' in stats.text
    stack.drawn_lottery = lottery_id


@pytest.mark.slow
@containers
def test_no_process_runs_as_root_and_the_healthcheck_passes(stack, podman):
    for service, program in (("web", "gunicorn"), ("worker", "movie_lottery.worker")):
        top = podman.podman("top", stack.container(service), "pid", "huser", "args").stdout.splitlines()[1:]
        assert any(program in line for line in top), top
        assert all(line.split()[1] not in ("root", "0") for line in top), top
    assert podman.podman("healthcheck", "run", stack.container("web"), check=False).returncode == 0


@pytest.mark.slow
@containers
def test_a_second_worker_stands_by(stack, podman):
    second = f"{stack.compose.project}_worker_extra"
    stack.compose("run", "-d", "--no-deps", "--name", second, "worker")
    try:
        logs = lambda: podman.podman("logs", second, check=False)  # noqa: E731
        assert wait_until(lambda: "standing by" in logs().stdout + logs().stderr, 30, step=0.5), logs()
    finally:
        podman.podman("rm", "-f", "-t", "5", second, check=False)


@pytest.mark.slow
@containers
def test_down_then_up_keeps_the_data_and_migrates_nothing_new(stack, telegram):
    lottery_id = getattr(stack, "drawn_lottery", None)
    if lottery_id is None:  # run alone (or shuffled before it): a draw of its own
        body = {"entries": [{"title": "Brat", "year": 1997}, {"title": "Amelie", "year": 2001}]}
        lottery_id = requests.post(stack.url + "/api/lotteries", json=body, timeout=10).json()["id"]
        assert requests.post(f"{stack.url}/api/lotteries/{lottery_id}/draw", timeout=10).status_code == 200
        assert wait_until(lambda: stack.ready()["checks"].get("notifier") == "alive", 30, step=0.5)
        assert wait_until(lambda: any(lottery_id in m["text"] for m in telegram.messages_for(FIXED_CHAT)), 30)
    announced = len(telegram.messages)
    container_id = lambda: stack.podman.podman("inspect", "--format", "{{.Id}}", stack.container("db")).stdout  # noqa: E731
    db_before = container_id()
    stack.compose("down", "-t", "10", timeout=300)
    assert not stack.healthy()
    stack.up()
    assert container_id() != db_before  # a new container: the data lives in the pgdata volume
    assert "database upgraded" not in stack.logs("migrate")
    found = requests.get(f"{stack.url}/api/lotteries/{lottery_id}", timeout=10)
    assert found.status_code == 200 and found.json()["winner"] is not None
    assert wait_until(lambda: stack.ready()["checks"].get("notifier") == "alive", 30, step=0.5)
    assert len(telegram.messages) == announced  # the outbox does not send the draw twice


def compose_config(env_file: Path) -> subprocess.CompletedProcess:
    """compose.yaml as podman-compose reads it with this .env (and nothing from our environment)."""
    import podman_compose  # noqa: F401  (requirements-dev.txt: missing is a failure, not a skip)

    clean_env = {k: v for k, v in os.environ.items() if k not in env_example()}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "podman_compose",
            "--env-file",
            str(env_file),
            "-f",
            str(ROOT / "compose.yaml"),
            "config",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env,
    )


def test_up_without_the_secrets_names_them(tmp_path):
    """`docker compose up` on a fresh .env says which required value is missing."""
    for missing in ("SECRET_KEY", "POSTGRES_PASSWORD"):
        filled = {"SECRET_KEY": "k", "POSTGRES_PASSWORD": "p"}
        del filled[missing]
        result = compose_config(write_env_file(tmp_path / f"no-{missing}.env", **filled))
        said = result.stdout + result.stderr
        assert result.returncode != 0, said
        assert f"{missing} is missing a value: copy .env.example to .env and set it" in said, said


def test_the_site_and_the_qbittorrent_webui_are_published_on_loopback_only(tmp_path):
    plain = compose_config(write_env_file(tmp_path / "plain.env", SECRET_KEY="k", POSTGRES_PASSWORD="p"))
    services = yaml.safe_load(plain.stdout)["services"]
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]
    assert "ports" not in services["db"] and "ports" not in services["redis"]
    assert services["web"]["environment"]["DATABASE_URL"] == "postgresql://movie_lottery:p@db:5432/movie_lottery"
    with_qbit = compose_config(
        write_env_file(tmp_path / "qbit.env", SECRET_KEY="k", POSTGRES_PASSWORD="p", COMPOSE_PROFILES="qbittorrent")
    )
    qbittorrent = yaml.safe_load(with_qbit.stdout)["services"]["qbittorrent"]
    assert qbittorrent["profiles"] == ["qbittorrent"]
    assert [port for port in qbittorrent["ports"] if port.endswith(":8080")] == ["127.0.0.1:8080:8080"]
