"""The page in Debian's Chromium, driven by Playwright, against a real server on loopback."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.servekit import EXAMPLE, EXAMPLE_URL, XSS, LiveServer, example_report, shared_analyzer, xss_report

CHROMIUM = os.environ.get("NEWSSIFT_CHROMIUM", "/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM),
                                reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('web') / 'reports.db'}"


@pytest.fixture(scope="module")
def server(db_url):
    from newssift.api import create_app

    with LiveServer(create_app(db_url=db_url, analyzer=shared_analyzer())) as live:
        yield live


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    yield page
    # nothing the pages need is blocked by their Content-Security-Policy, nothing fails to load
    assert page.console_errors == []
    context.close()


def test_example_article_highlights_render(server, page, db_url):
    from newssift.store import store_report

    report = example_report()
    report_id = store_report(report, db_url=db_url)
    page.goto(f"{server.url}/reports/{report_id}")

    marks = page.locator("#article-text mark.tech")
    shown = marks.evaluate_all("ms => ms.map(m => m.firstChild.textContent)")
    for phrase in ("obliterate", "lame duck Obama", "his water boy John Kerry", "golden opportunity"):
        assert phrase in shown
    # the stylesheet applied under the CSP: each technique has its colour
    name_calling = marks.filter(has_text="lame duck Obama").first
    assert name_calling.evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(255, 217, 47)"
    loaded = marks.filter(has_text="obliterate").first
    assert loaded.evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(252, 205, 229)"
    # overlapping spans: the overlapped piece names both techniques
    overlap = marks.filter(has_text="pathetic attempt").first
    assert "multi" in overlap.get_attribute("class")

    tip = name_calling.locator(".tip")
    assert not tip.is_visible()
    name_calling.hover()
    assert tip.is_visible()
    assert "Name calling, labeling" in tip.inner_text() and "93%" in tip.inner_text()
    assert "belittles" in tip.inner_text()

    # keyboard: Tab reaches the highlighted passages and shows their tooltip
    page.mouse.move(0, 0)
    page.locator("#permalink").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.className")
        if "tech" in focused:
            break
    else:
        pytest.fail("no highlighted passage is reachable with Tab")
    assert page.locator("mark.tech:focus .tip").is_visible()

    # the article text the reader sees is the article, in order, without tooltip text
    page.evaluate("document.activeElement.blur()")
    visible = page.locator("#article-text").inner_text()
    assert "Vyacheslav Volodin told NTV Channel" in visible and "confidence" not in visible

    assert "Vyacheslav Volodin" in page.locator(".quotes .speaker").first.inner_text()
    assert "Putin congratulated" in page.locator(".claims-list").inner_text()
    assert "Example Checks" in page.locator(".matches").inner_text()
    assert "theduran.com" in page.locator(".source-card").inner_text()
    assert page.locator("#permalink").get_attribute("href") == f"/reports/{report_id}"
    assert page.dialogs == []


def test_paste_text_shows_the_report_at_its_permanent_link(server, page):
    page.goto(server.url + "/")
    page.fill("#url", EXAMPLE_URL)
    page.fill("#text", EXAMPLE.read_text("utf-8"))
    page.click("#analyze-button")
    page.wait_for_url("**/reports/*")
    assert "Vyacheslav Volodin" in page.locator("#article-text").inner_text()
    link = page.locator("#permalink").get_attribute("href")
    assert page.url.endswith(link)
    # whatever the technique heads found renders as highlights with a tooltip each
    marks = page.locator("#article-text mark.tech")
    assert marks.count() == page.locator("#article-text mark.tech .tip").count()


def test_form_errors_are_shown(server, page):
    page.goto(server.url + "/")
    page.fill("#url", "javascript:alert(1)")
    page.click("#analyze-button")
    assert "http:// or https://" in page.locator("#form-error").inner_text()
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 422 "
                                   "(Unprocessable Entity)"]  # the form's answer, as intended
    page.console_errors.clear()


def test_xss_in_title_text_speaker_and_urls_is_inert(server, page, db_url):
    from newssift.store import store_report

    report_id = store_report(xss_report(), db_url=db_url)
    page.goto(f"{server.url}/reports/{report_id}")
    page.locator("#article-text mark.tech").last.hover()
    assert page.evaluate("window.__xss") is None
    assert page.dialogs == []
    assert XSS in page.locator("#article-title").inner_text()
    assert XSS in page.locator("#article-text").inner_text()
    assert XSS in page.locator(".quotes .speaker").inner_text()
    assert page.locator("main img, main script, main iframe").count() == 0
    hrefs = page.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if h and h.strip().lower().startswith("javascript")]
    assert page.locator("#article-url").inner_text() == "javascript:window.__xss=3//"
    # the home page lists the report by its (escaped) title
    page.goto(server.url + "/")
    assert page.evaluate("window.__xss") is None and page.dialogs == []


def test_outlet_dashboard_plots(server, page, db_url):
    from newssift.store import store_report

    for month, extra in (("2016-09-02", "A"), ("2016-10-03", "B"), ("2016-11-15", "C")):
        store_report(example_report(published=month, extra_text=f"\n\nEdition {extra}."), db_url=db_url)
    other = example_report(url="https://other.example.net/x", extra_text="\n\nElsewhere.")
    other.article.domain = "other.example.net"
    other.stop["techniques"] = other.stop["techniques"][:1]
    store_report(other, db_url=db_url)

    page.goto(server.url + "/outlets")
    chart = page.locator("#outlets-chart svg")
    assert chart.is_visible() and chart.locator("rect").count() >= 4
    page.click("table.outlets a:has-text(\"theduran.com\")")
    page.wait_for_url("**/outlets/theduran.com")
    over_time = page.locator("#over-time-chart svg")
    assert over_time.is_visible() and over_time.locator("polyline").count() >= 1
    assert over_time.locator("circle").count() >= 3
    assert page.locator("#versus-chart svg rect").count() >= 2
    assert "2016-09" in page.locator("table.months").inner_text()


def test_standalone_report_file_renders_and_is_inert(page, tmp_path):
    from newssift.web.render import render_report_page

    path = tmp_path / "report.html"
    path.write_text(render_report_page(xss_report()), encoding="utf-8")
    page.goto(path.as_uri())
    assert page.locator("#article-text mark.tech").count() >= 7
    assert page.locator("mark.tech").first.evaluate("m => getComputedStyle(m).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert page.evaluate("window.__xss") is None and page.dialogs == []


def test_stop_section_shows_tone_and_headline(server, page, db_url):
    from newssift.store import store_report

    report_id = store_report(example_report(extra_text="\n\nTone edition."), db_url=db_url)
    page.goto(f"{server.url}/reports/{report_id}")
    assert "Hyperpartisan: score 87%" in page.locator(".hyperpartisan").inner_text()
    assert "pathetic" in page.locator(".reasons").inner_text()
    stance = page.locator(".headline-stance").inner_text()
    assert "discusses the headline" in stance and "claims more than the body supports" in stance
