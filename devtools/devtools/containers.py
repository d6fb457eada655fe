"""The project's image, built and run with podman (no Docker engine runs on these machines).

    python -m devtools.containers image     the base image (bootstrapped from Debian's packages
                                            where no registry is reachable) and the project's image

What made podman work here (docs/operations.md says why): the runc runtime, containers.conf's
``default_ulimits = []`` (make system-tools), ``--network=host``, and the machine's CA bundle
mounted while pip installs during the build.

ContainerPlatform runs the services as containers of that image, each instance one container on
the host's network, against the machine's PostgreSQL and RabbitMQ (chaos/containers.py drives it).
"""
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devtools.platform import Platform

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "localhost/codi:latest"
OFFICIAL_PYTHON = "docker.io/library/python:3.11-slim-bookworm"  # the Dockerfile's default, fully named
DEBIAN_PYTHON = "localhost/codi-python-base:bookworm"  # the same Python from Debian's packages
# python-is-python3: the Dockerfile calls `python`; ca-certificates: pip reaches the package registry
DEBIAN_PACKAGES = "python3,python3-venv,python-is-python3,ca-certificates"
# crun refuses cgroups in hybrid mode here; bridge networking needs what these machines lack
RUNTIME_FLAGS = ["--runtime=runc", "--network=host"]
PULL_SECONDS = 60


class PodmanError(RuntimeError):
    pass


NOT_INSTALLED = "ไม่พบ {} (not installed): make system-tools installs podman, runc and mmdebstrap"


def podman(*args, check=True, timeout=300):
    """podman's stdout; a failure raises PodmanError with its stderr."""
    try:
        result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise PodmanError(NOT_INSTALLED.format("podman")) from None
    if check and result.returncode != 0:
        raise PodmanError(f"podman {' '.join(args[:3])} … exit {result.returncode}: {result.stderr.strip()[-800:]}")
    return result.stdout.strip()


def exists(kind, name):
    """Whether podman has the image or container ``name`` (``kind``: "image" or "container")."""
    try:
        return subprocess.run(["podman", kind, "exists", name]).returncode == 0
    except FileNotFoundError:
        raise PodmanError(NOT_INSTALLED.format("podman")) from None


def can_run_containers(image=DEBIAN_PYTHON):
    """Why containers cannot run here (None where they can): a throwaway container of ``image``."""
    try:
        podman("run", "--rm", *RUNTIME_FLAGS, image, "true", timeout=120)
    except (PodmanError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None


def python_image(say=print):
    """The base image: the official Python image where a registry gives it, else the same Python
    bootstrapped from Debian's packages (once: podman keeps it)."""
    if exists("image", OFFICIAL_PYTHON):
        return OFFICIAL_PYTHON
    try:
        podman("pull", "-q", OFFICIAL_PYTHON, timeout=PULL_SECONDS)
        return OFFICIAL_PYTHON
    except (PodmanError, subprocess.TimeoutExpired):
        pass
    if exists("image", DEBIAN_PYTHON):
        return DEBIAN_PYTHON
    say(f"ไม่มีรีจิสทรีให้ดึง {OFFICIAL_PYTHON}: สร้างจากแพ็กเกจของ Debian "
        f"(no registry reachable: bootstrapping {DEBIAN_PYTHON} with mmdebstrap)")
    with tempfile.TemporaryDirectory() as work:
        tarball = Path(work) / "base.tar"
        try:
            subprocess.run(["mmdebstrap", "--quiet", "--variant=minbase", f"--include={DEBIAN_PACKAGES}",
                            "bookworm", str(tarball)], check=True)
        except FileNotFoundError:
            raise PodmanError(NOT_INSTALLED.format("mmdebstrap")) from None
        except subprocess.CalledProcessError as exc:
            raise PodmanError(f"mmdebstrap สร้างอิมเมจฐานไม่ได้ (could not bootstrap the base image): {exc}") from None
        podman("import", "-q", str(tarball), DEBIAN_PYTHON)
    return DEBIAN_PYTHON


def build_image(tag=IMAGE, base=None, say=print):
    """Build the Dockerfile on ``base`` (python_image() by default); podman's layer cache makes a
    rebuild quick."""
    base = base or python_image(say)
    # docker format keeps the HEALTHCHECK (OCI drops it); the CA bundle lets pip verify the registry
    podman("build", *RUNTIME_FLAGS, "--format", "docker", "--volume", "/etc/ssl/certs:/etc/ssl/certs:ro",
           "--build-arg", f"PYTHON_IMAGE={base}", "-t", tag, str(ROOT), timeout=1200)
    return tag


class Container:
    """One container, with the part of subprocess.Popen's interface Platform uses."""

    def __init__(self, name):
        self.name = name

    @property
    def returncode(self):
        running, code = podman("inspect", "--format", "{{.State.Running}} {{.State.ExitCode}}", self.name).split()
        return None if running == "true" else int(code)

    def poll(self):
        return self.returncode

    def send_signal(self, sig):
        podman("kill", "--signal", str(int(sig)), self.name, check=False)

    def kill(self):
        podman("kill", self.name, check=False)

    def wait(self, timeout=None):
        deadline = time.monotonic() + (timeout or 3600)
        while self.returncode is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.name, timeout)
            time.sleep(0.2)
        return self.returncode

    def logs(self):
        return subprocess.run(["podman", "logs", self.name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True).stdout


class ContainerPlatform(Platform):
    """Platform whose instances are containers named ``<prefix>-<instance>`` of ``image``, each
    given only the platform's own settings (``env``) and the tokens issued for it. The Omise
    stand-in stays a host process."""

    def __init__(self, env, image=IMAGE, prefix="codi", log_dir=None, instances=None):
        super().__init__(env, log_dir=log_dir, instances=instances)
        self.image, self.prefix = image, prefix
        self.settings = dict(env)

    def container_name(self, name):
        return f"{self.prefix}-{name.replace('.', '-')}"

    def container_env(self, service, extra=None):
        tokens = {name: value for name, value in self.env.items()
                  if name.startswith(f"{service.upper()}_") and name.endswith("_TOKEN")}
        return [flag for name, value in {**self.settings, **tokens, **(extra or {})}.items()
                for flag in ("-e", f"{name}={value}")]

    def run_flags(self, service, extra=None):
        # health is polled over HTTP: without systemd podman cannot schedule the image's HEALTHCHECK
        return [*RUNTIME_FLAGS, "--no-healthcheck", *self.container_env(service, extra)]

    def migrate(self):
        for service in self.services:
            podman("run", "--rm", *self.run_flags(service), self.image, service, "migrate")

    def start_instance(self, name):
        """Start the instance's container again where it exists (as a restart policy would), else run it."""
        service = name.split(".")[0]
        container = self.container_name(name)
        if exists("container", container):
            podman("start", container)
        else:
            self.issue_caller_tokens(service)
            address = {f"{service.upper()}_HTTP_ADDRESS": self.addresses[name]}
            podman("run", "-d", "--name", container, *self.run_flags(service, address), self.image, service, "run")
        self.processes[name] = Container(container)

    def remove_all(self):
        """Every container of this platform, gone; their logs kept in log_dir first."""
        for name in self.addresses:
            container = Container(self.container_name(name))
            if not exists("container", container.name):
                continue
            if self.log_dir:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                (self.log_dir / f"{name}.log").write_text(container.logs())
            podman("rm", "-f", "-t", "5", container.name, check=False)
        self.processes.clear()

    def stop_all(self):
        super().stop_all()
        self.remove_all()


def main(argv):
    if argv != ["image"]:
        sys.exit(__doc__)
    started = time.monotonic()
    tag = build_image()
    print(f"สร้างอิมเมจ {tag} แล้ว ใน {time.monotonic() - started:.0f} วินาที (built {tag})")


if __name__ == "__main__":
    main(sys.argv[1:])
