"""The reports page on the demo history, in Chromium, in Dutch: "since the start" finds the
centres' 210 arrivals and says how a span over the edge counts, the years table is there,
the missed contacts are a short table, no figure or word breaks across lines (no "25, 3",
no "Aanta l") on a desktop or a phone, and axe finds nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from helpline.extensions import db
from helpline.records import demo
from tests.a11y import assert_accessible
from tests.browser.test_browser_flow import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.timeout(240)

# Every piece of a word or number (split at spaces and hyphens, where a line may break)
# whose characters do not all sit on one line; [] when nothing is broken.
BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector('main') || document.body,
                                           NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.closest('.report-section, .period-links')) continue;
    if (node.parentElement.closest('svg, option, select')) continue;
    for (const m of node.data.matchAll(/[^\\s\\-\\u2013\\/]+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                           .map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""


def test_the_report_page_since_the_start_in_dutch(browser, live, live_staff):
    url = live.urls[0]
    with live.app.app_context():
        demo.fill(db.session)
    live_staff("sara", role="supervisor", name="Sara")
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    sign_in(page, url, "sara")  # once: a supervisor's codes are few per minute
    for viewport in (DESKTOP, {"width": 1280, "height": 900}, PHONE):
        page.set_viewport_size(viewport)
        page.goto(url + "/staff/reports/?all=1&lang=nl")
        expect(page.locator("#period")).to_contain_text("2017-01-01")
        refs = page.locator("table[data-table=referrals]")
        expect(refs).to_contain_text("210")
        expect(page.locator("#section-referrals .table-note")).to_contain_text("naar verhouding")
        years = page.locator("table[data-table=years] tbody tr")
        expect(years.first).to_contain_text("315")
        expect(page.locator("table[data-table=years]")).to_contain_text("-10,9")
        expect(page.get_by_role("img", name="Contacten per jaar en kanaal")).to_be_visible()
        missed = page.locator("table[data-table=missed_weeks] tbody tr")
        expect(missed.first).to_contain_text("2017")
        assert missed.count() < 20  # years, not 518 weeks
        assert page.evaluate(BROKEN_WORDS) == [], viewport
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (viewport, width)
        if viewport in (DESKTOP, PHONE):
            assert_accessible(page, f"on the reports page since the start at {viewport}")
    ctx.close()
