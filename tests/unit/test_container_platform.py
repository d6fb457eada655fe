"""What a container of the image is given: the platform's own settings, not the host's environment."""
from devtools.containers import ContainerPlatform
from devtools.platform import platform_env


def test_a_container_gets_the_platform_settings_and_only_its_own_tokens(monkeypatch):
    monkeypatch.setenv("HOST_ONLY_SETTING", "not for containers")
    platform = ContainerPlatform(platform_env(amqp_uri="pyamqp://guest:guest@127.0.0.1:5672/mine"),
                                 prefix="containers-test", instances={"funds": 3})
    platform.env.update({"WEB_FUNDS_TOKEN": "web's", "MARKETPLACE_FUNDS_TOKEN": "marketplace's"})
    flags = platform.container_env("web", {"WEB_HTTP_ADDRESS": "127.0.0.1:9999"})
    given = dict(flag.split("=", 1) for flag in flags[1::2])
    assert set(flags[::2]) == {"-e"}
    assert given["AMQP_URI"].endswith("/mine") and given["WEB_HTTP_ADDRESS"] == "127.0.0.1:9999"
    assert given["WEB_FUNDS_TOKEN"] == "web's"
    assert "MARKETPLACE_FUNDS_TOKEN" not in given and "HOST_ONLY_SETTING" not in given


def test_every_funds_instance_is_a_container_of_its_own():
    platform = ContainerPlatform(platform_env(), prefix="containers-test", instances={"funds": 3})
    assert [platform.container_name(name) for name in platform.instance_names("funds")] == [
        "containers-test-funds", "containers-test-funds-2", "containers-test-funds-3"]
