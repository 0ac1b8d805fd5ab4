"""The test browser itself: it runs only our pages (tests/conftest.py, CHROMIUM_ARGS)."""

from __future__ import annotations


def test_the_browser_preloads_no_pages_of_its_own(browser):
    """Chromium's address-bar pop-up is a web page per window, preloaded even headless;
    switched off, a new context costs the suite a renderer less."""
    context = browser.new_context()
    context.new_page().set_content("<p>x</p>")
    targets = browser.new_browser_cdp_session().send("Target.getTargets")["targetInfos"]
    context.close()
    kinds = [target["type"] for target in targets]
    assert "page" in kinds and "browser_ui" not in kinds, kinds
