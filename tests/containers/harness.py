"""Real containers for tests/test_compose.py: podman set up by the test harness alone.

Nothing here is user-facing. podman's configuration is written for each run from the host's
own values and handed over through CONTAINERS_CONF / CONTAINERS_STORAGE_CONF /
CONTAINERS_REGISTRIES_CONF: runc as the runtime (crun refuses hybrid cgroups), default ulimits
no higher than what this machine lets podman set, host networking, and no registry at all
(an image that is not local fails at once instead of being pulled).

Images are kept in a storage under the user's cache directory, tagged by a hash of their
recipe: the base image (debootstrap, about 1.5 minutes) and the Postgres and Redis stand-ins
are built once per recipe; the web image is built from the project's Dockerfile on every run
(its dependency layer comes from podman's layer cache while requirements.txt is unchanged).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "movie_lottery" / "podman"
# podman records its run directory in the storage's database: it must not change between runs
# of one storage, nor be shared by two.
RUN_DIR = Path("/run/movie_lottery-tests") / hashlib.sha256(str(CACHE).encode()).hexdigest()[:12]
TOOLS = ("podman", "runc", "debootstrap")
BUILD_TIMEOUT = 900


def debian_mirror(apt_dir: Path = Path("/etc/apt")) -> str | None:
    """The Debian archive the host's apt uses (its main suite's URI), from either source format."""
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in files:
        if path.is_file():
            for line in path.read_text().splitlines():
                match = re.match(r"\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+([a-z]+)\s", line + " ")
                if match and "security" not in match.group(1):
                    return match.group(1)
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        for stanza in re.split(r"\n\s*\n", path.read_text()):
            fields = dict(re.findall(r"^([A-Za-z-]+):\s*(.*)$", stanza, re.M))
            if fields.get("Enabled", "yes").lower() == "no" or "deb" not in fields.get("Types", "").split():
                continue
            suites = fields.get("Suites", "").split()
            uri = (fields.get("URIs", "").split() or [""])[0]
            if uri and any("-" not in suite for suite in suites) and "security" not in uri:
                return uri
    return None


def unavailable_reason() -> str | None:
    """Why podman cannot run here, or None. A missing tool is named with its remedy."""
    if not sys.platform.startswith("linux"):
        return "podman containers need Linux"
    if os.geteuid() != 0:
        return "the container tests run as root (rootless podman needs subordinate id ranges)"
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not installed (scripts/test.sh installs them with apt)"
    try:
        import podman_compose  # noqa: F401
    except ImportError:
        return "podman-compose is not installed (pip install -r requirements-dev.txt)"
    if debian_mirror() is None:
        return "no Debian mirror found in /etc/apt/sources.list(.d) for debootstrap"
    return None


def _host_ulimits() -> list[str]:
    """Hard limits podman can hand on without CAP_SYS_RESOURCE (runc fails to start a container
    asking more). podman 4.3 runs itself with a process limit of the kernel's pid_max where that
    is lower than the shell's (seen here: 32768 against 96364), so no container may ask more."""
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    limits = []
    for name, hard in (
        ("nofile", nofile),
        ("nproc", min(nproc, pid_max) if nproc != resource.RLIM_INFINITY else pid_max),
    ):
        if hard != resource.RLIM_INFINITY:
            limits.append(f"{name}={hard}:{hard}")
    return limits


class Podman:
    """podman and podman-compose with the harness's configuration."""

    def __init__(self, conf_dir: Path):
        conf_dir.mkdir(parents=True, exist_ok=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        ulimits = ", ".join(f'"{limit}"' for limit in _host_ulimits())
        (conf_dir / "containers.conf").write_text(
            "[containers]\n"
            'netns = "host"\n'
            f"default_ulimits = [{ulimits}]\n"
            "[engine]\n"
            'runtime = "runc"\n'
            'cgroup_manager = "cgroupfs"\n'
            'events_logger = "file"\n'
            f'tmp_dir = "{RUN_DIR}/libpod"\n'
        )
        (conf_dir / "storage.conf").write_text(
            f'[storage]\ndriver = "overlay"\ngraphroot = "{CACHE}/storage"\nrunroot = "{RUN_DIR}/storage"\n'
        )
        (conf_dir / "registries.conf").write_text("unqualified-search-registries = []\n")
        self.env = {
            **os.environ,
            "CONTAINERS_CONF": str(conf_dir / "containers.conf"),
            "CONTAINERS_STORAGE_CONF": str(conf_dir / "storage.conf"),
            "CONTAINERS_REGISTRIES_CONF": str(conf_dir / "registries.conf"),
        }
        self.work = conf_dir

    def run(
        self, *args: str, timeout: float = 120, check: bool = True, env: dict | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess:
        command = list(args)
        result = subprocess.run(
            command, env={**self.env, **(env or {})}, cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command[:4])} … exited {result.returncode}:\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return result

    def podman(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return self.run("podman", *args, **kwargs)

    def image_exists(self, tag: str) -> bool:
        return self.podman("image", "exists", tag, check=False).returncode == 0

    def image_size(self, tag: str) -> int:
        return int(self.podman("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip())

    @contextmanager
    def _lock(self, name: str) -> Iterator[None]:
        """Another worktree's run may be building the same image: one builder at a time."""
        with open(CACHE / f"{name}.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def base_image(self) -> str:
        mirror = debian_mirror()
        recipe = hashlib.sha256((HERE / "build-base.sh").read_bytes() + mirror.encode())
        for cert in sorted(Path("/usr/local/share/ca-certificates").glob("*.crt")):
            recipe.update(cert.read_bytes())
        tag = f"localhost/movie-lottery-test-base:{recipe.hexdigest()[:16]}"
        with self._lock("base"):
            if not self.image_exists(tag):
                work = self.work / "base"
                work.mkdir(exist_ok=True)
                self.run("sh", str(HERE / "build-base.sh"), mirror, tag, str(work), timeout=BUILD_TIMEOUT)
        return tag

    def service_image(self, name: str, base: str) -> str:
        """A test stand-in for an official image (tests/containers/<name>/), built on the base."""
        recipe = hashlib.sha256(base.encode())
        for path in sorted((HERE / name).iterdir()):
            recipe.update(path.name.encode() + path.read_bytes())
        tag = f"localhost/movie-lottery-test-{name}:{recipe.hexdigest()[:16]}"
        with self._lock(name):
            if not self.image_exists(tag):
                self.build(tag, HERE / name, base, "Containerfile")
        return tag

    def build(self, tag: str, context: Path, base: str, containerfile: str = "Dockerfile") -> None:
        # The docker format keeps HEALTHCHECK (the OCI format has no field for it).
        self.podman(
            "build",
            "--format",
            "docker",
            "--network",
            "host",
            "--build-arg",
            f"BASE={base}",
            "-f",
            str(context / containerfile),
            "-t",
            tag,
            str(context),
            timeout=BUILD_TIMEOUT,
        )

    def remove_stale_projects(self, prefix: str) -> None:
        """Containers and volumes of test runs that were killed before their teardown (their
        project name ends in the pid of a process that is gone)."""
        names = self.podman("ps", "-a", "--format", "{{.Names}}").stdout.split()
        names += self.podman("volume", "ls", "--format", "{{.Name}}").stdout.split()
        stale = {
            match.group(0)
            for name in names
            if (match := re.match(rf"{prefix}(\d+)", name)) and not Path(f"/proc/{match.group(1)}").exists()
        }
        for project in stale:
            containers = self.podman("ps", "-a", "-q", "--filter", f"name=^{project}_").stdout.split()
            if containers:
                self.podman("rm", "-f", "-t", "0", *containers, check=False)
            volumes = self.podman("volume", "ls", "-q", "--filter", f"name=^{project}_").stdout.split()
            if volumes:
                self.podman("volume", "rm", "-f", *volumes, check=False)

    def compose(self, project: str, env_file: Path, override: Path, env: dict) -> Compose:
        return Compose(self, project, env_file, override, env)


class Compose:
    """podman-compose on the project's compose.yaml plus the test override."""

    def __init__(self, podman: Podman, project: str, env_file: Path, override: Path, env: dict):
        self.podman, self.project, self.env = podman, project, env
        self.prefix = [
            sys.executable,
            "-m",
            "podman_compose",
            "--in-pod",
            "false",
            "-p",
            project,
            "--env-file",
            str(env_file),
            "-f",
            str(ROOT / "compose.yaml"),
            "-f",
            str(override),
        ]

    def __call__(self, *args: str, timeout: float = 180, check: bool = True) -> subprocess.CompletedProcess:
        return self.podman.run(*self.prefix, *args, timeout=timeout, check=check, env=self.env, cwd=ROOT)

    def container(self, service: str) -> str:
        return f"{self.project}_{service}_1"
