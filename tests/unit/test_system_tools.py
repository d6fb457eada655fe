"""make test installs the system commands the suite needs, or says in one line what to install."""
import io
import subprocess

from devtools import system_tools


BROWSER = {"chromium", "chromedriver", "podman", "runc", "mmdebstrap"}
FONTS_PRESENT = lambda path: True  # noqa: E731


def which_from(present):
    return lambda command: f"/usr/bin/{command}" if command in present | BROWSER else None


def test_nothing_missing_installs_nothing():
    calls = []
    assert system_tools.ensure(run=calls.append, which=which_from({"promtool", "node", "npm", "apt-get"}),
                               euid=0, exists=FONTS_PRESENT) == 0
    assert calls == []


def test_missing_commands_name_their_debian_packages_once():
    assert system_tools.missing_packages(which_from({"node"}), exists=FONTS_PRESENT) == ["npm", "prometheus"]


def test_not_root_says_in_one_line_what_to_install_and_stops():
    calls, err = [], io.StringIO()
    status = system_tools.ensure(run=calls.append, which=which_from({"node", "npm", "apt-get"}), euid=1000,
                                 out=io.StringIO(), err=err, exists=FONTS_PRESENT)
    assert status == 1 and calls == []
    lines = err.getvalue().splitlines()
    assert len(lines) == 1
    assert "apt-get install -y --no-install-recommends prometheus" in lines[0]


def test_root_installs_with_apt_and_checks_the_commands_appeared():
    present = {"node", "apt-get"}
    commands = []

    def run(command, env):
        commands.append(command)
        if command[1] == "install":
            present.update({"npm", "promtool"})
        return subprocess.CompletedProcess(command, 0)

    assert system_tools.ensure(run=run, which=lambda c: c if c in present | BROWSER else None, euid=0,
                               out=io.StringIO(), err=io.StringIO(), exists=FONTS_PRESENT) == 0
    assert commands == [["apt-get", "update", "-q"],
                        ["apt-get", "install", "-y", "--no-install-recommends", "npm", "prometheus"]]


def test_an_install_that_leaves_a_command_missing_fails():
    err = io.StringIO()
    status = system_tools.ensure(run=lambda command, env: subprocess.CompletedProcess(command, 0),
                                 which=which_from({"apt-get", "node", "npm"}), euid=0,
                                 out=io.StringIO(), err=err, exists=FONTS_PRESENT)
    assert status == 1 and "prometheus" in err.getvalue()


def test_the_browser_its_driver_thai_fonts_and_podman_come_from_debian():
    assert system_tools.missing_packages(lambda command: None, exists=lambda path: False) == [
        "chromium", "chromium-driver", "fonts-thai-tlwg", "mmdebstrap", "nodejs", "npm", "podman",
        "prometheus", "runc"]


def test_podman_gets_empty_default_ulimits_once_and_an_existing_file_is_left_alone(tmp_path):
    conf = tmp_path / "containers" / "containers.conf"
    assert system_tools.ensure_containers_conf(str(conf), euid=0) == 0
    assert conf.read_text() == "[containers]\ndefault_ulimits = []\n"
    conf.write_text("# the operator's own\n")
    assert system_tools.ensure_containers_conf(str(conf), euid=0) == 0
    assert conf.read_text() == "# the operator's own\n"


def test_not_root_says_how_to_write_containers_conf(tmp_path):
    err = io.StringIO()
    assert system_tools.ensure_containers_conf(str(tmp_path / "containers.conf"), euid=1000, err=err) == 1
    assert "default_ulimits = []" in err.getvalue() and not (tmp_path / "containers.conf").exists()
