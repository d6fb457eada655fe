"""Install the system commands the test suite needs, from Debian's packages (standard library only:
it runs before the project's virtualenv exists).

    python3 devtools/devtools/system_tools.py     installs what is missing, or says in one line what to
                                                  install and exits 1 where it cannot (not root, no apt-get)
"""
import os
import shutil
import subprocess
import sys

# command → the Debian package that provides it
REQUIRED = {
    "promtool": "prometheus",  # checks the alert rules and /metrics (tests/ops)
    "node": "nodejs",          # runs the operators' schema validator (tests/ops)
    "npm": "npm",              # installs them (make operator-schemas)
    "chromium": "chromium",    # the web pages' tests run in a real browser (tests/browser)
    "chromedriver": "chromium-driver",  # which selenium drives
    "podman": "podman",        # builds and runs the image without a Docker engine (make containers)
    "runc": "runc",            # podman's runtime here: crun refuses cgroups in hybrid mode
    "mmdebstrap": "mmdebstrap",  # the base image from Debian's packages where no registry is reachable
}
# file → the Debian package that provides it: Thai text in the browser's pages and screenshots
REQUIRED_FILES = {"/usr/share/fonts/truetype/tlwg/Garuda.ttf": "fonts-thai-tlwg"}
# Containers may not set podman's default rlimits here ("setrlimit RLIMIT_NOFILE: Operation not
# permitted"): an empty default_ulimits keeps the limits the engine itself runs with
CONTAINERS_CONF = "/etc/containers/containers.conf"
CONTAINERS_CONF_TEXT = "[containers]\ndefault_ulimits = []\n"


def missing_packages(which=shutil.which, required=REQUIRED, exists=os.path.exists, files=REQUIRED_FILES):
    """The packages to install, in a stable order, for the commands not on PATH and the files not there."""
    return sorted({package for command, package in required.items() if which(command) is None}
                  | {package for path, package in files.items() if not exists(path)})


def install_command(packages):
    return ["apt-get", "install", "-y", "--no-install-recommends", *packages]


def can_install(euid=None, which=shutil.which):
    return (os.geteuid() if euid is None else euid) == 0 and which("apt-get") is not None


def ensure_containers_conf(path=CONTAINERS_CONF, euid=None, err=sys.stderr):
    """Write podman's containers.conf where there is none; an operator's own file is left as it is."""
    if os.path.exists(path):
        return 0
    if (os.geteuid() if euid is None else euid) != 0:
        print(f"สร้าง {path} ก่อนแล้วลองใหม่ (create it first, then retry): {CONTAINERS_CONF_TEXT!r}", file=err)
        return 1
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as conf:
        conf.write(CONTAINERS_CONF_TEXT)
    return 0


def ensure(run=subprocess.run, which=shutil.which, euid=None, out=sys.stdout, err=sys.stderr,
           exists=os.path.exists):
    packages = missing_packages(which, exists=exists)
    if not packages:
        return 0
    wanted = " ".join(install_command(packages))
    if not can_install(euid, which):
        print(f"ติดตั้งก่อนแล้วลองใหม่ (install first, then retry): {wanted}", file=err)
        return 1
    print(f"กำลังติดตั้ง (installing) {' '.join(packages)}", file=out)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], install_command(packages)):
        if run(command, env=env).returncode != 0:
            print(f"ติดตั้งไม่สำเร็จ (install failed): {' '.join(command)}", file=err)
            return 1
    still = missing_packages(which, exists=exists)
    if still:
        print(f"ติดตั้งแล้วแต่ยังไม่พบคำสั่ง (installed, commands still missing): {' '.join(still)}", file=err)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(ensure() or ensure_containers_conf())
