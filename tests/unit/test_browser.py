"""The pages' tests need Debian's Chromium: without it they fail and say what to install, never skip."""
import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

from devtools import browser


@pytest.mark.parametrize("setting, package", [("CHROMIUM", "chromium"), ("CHROMEDRIVER", "chromium-driver")])
def test_a_missing_browser_fails_and_names_its_package(monkeypatch, tmp_path, setting, package):
    monkeypatch.setattr(browser, setting, str(tmp_path / "absent"))
    with pytest.raises(browser.BrowserMissing, match=f"apt-get install {package} —"):
        with browser.chromium():
            pass


def test_a_wait_asks_again_when_the_page_was_replaced():
    answers = iter([WebDriverException("unknown error: Node with given id does not belong to the document"),
                    StaleElementReferenceException("stale"), "found"])

    def condition(driver):
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    check = browser._across_navigation(condition)
    assert [check(None), check(None), check(None)] == [False, False, "found"]


def test_a_wait_does_not_hide_other_browser_errors():
    def crashed(driver):
        raise WebDriverException("chrome not reachable")

    with pytest.raises(WebDriverException, match="not reachable"):
        browser._across_navigation(crashed)(None)


def test_without_a_thai_font_the_browser_tests_fail_and_name_the_package():
    with pytest.raises(browser.BrowserMissing, match="apt-get install fonts-thai-tlwg"):
        browser.require_browser(fonts=lambda: [])


def test_thai_fonts_are_read_from_fontconfig():
    class Found:
        stdout = "Garuda\nLoma\n\nGaruda\n"

    calls = []
    assert browser.thai_fonts(run=lambda command, **options: calls.append(command) or Found()) == ["Garuda", "Loma"]
    assert calls == [["fc-list", ":lang=th", "family"]]
