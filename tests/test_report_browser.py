"""The report in a real browser: headless Debian Chromium via Playwright, offline.

Skips with a reason when Playwright or /usr/bin/chromium is missing (CI installs both).
"""

import os
import re
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("COHORTMARK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = os.environ.get("COHORTMARK_SCREENSHOTS")  # a directory to keep the screenshots in

playwright = pytest.importorskip("playwright.sync_api", reason="python playwright not installed")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt install chromium)", allow_module_level=True)

from test_report import workdir  # noqa: E402,F401  (module fixture: a run of the steps)


@pytest.fixture(scope="module")
def page(workdir, tmp_path_factory):  # noqa: F811
    """The report opened offline: every request other than the file itself is aborted."""
    requests, errors = [], []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1300, "height": 900}, offline=True,
                                      accept_downloads=True)
        report = (workdir.res / "report.html").resolve().as_uri()

        def route(r):
            if r.request.url == report or r.request.url.startswith("data:"):
                r.continue_()
            else:
                requests.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        pg = context.new_page()
        pg.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning")
              else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("request", lambda r: None if r.url == report or r.url.startswith("data:")
              else requests.append(r.url))
        pg.goto(report, wait_until="load")
        pg.requests, pg.errors = requests, errors
        shots = Path(SHOTS) if SHOTS else tmp_path_factory.mktemp("shots")
        shots.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(shots / "report.png"), full_page=False)
        pg.screenshot(path=str(shots / "report_full.png"), full_page=True)
        yield pg
        browser.close()


def test_the_network_watch_can_fail(tmp_path):
    """The same watch on a page that does reach out records the request and the error."""
    bad = tmp_path / "bad.html"
    bad.write_text('<html><body><img src="https://example.invalid/x.png">'
                   '<script>undefinedFunction()</script></body></html>')
    requests, errors = [], []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox"])
        context = browser.new_context(offline=True)
        context.route("**/*", lambda r: r.continue_() if r.request.url == bad.as_uri()
                      else (requests.append(r.request.url), r.abort()))
        pg = context.new_page()
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(bad.as_uri(), wait_until="load")
        browser.close()
    assert requests == ["https://example.invalid/x.png"]
    assert errors and "undefinedFunction" in errors[0]


def test_no_network_and_no_console_errors(page):
    assert page.requests == []
    assert page.errors == []


def test_every_figure_rendered(page):
    from test_report import FIGURES

    imgs = page.query_selector_all("img")
    assert len(imgs) == len(FIGURES)
    for img in imgs:
        img.scroll_into_view_if_needed()
        natural = img.evaluate("e => [e.complete, e.naturalWidth, e.naturalHeight]")
        assert natural[0] and natural[1] > 100 and natural[2] > 100, img.get_attribute("alt")
        box = img.bounding_box()
        assert box["width"] > 200 and box["height"] > 150, img.get_attribute("alt")


def test_key_findings_first(page):
    """The story first: the key findings fill the first screen, above the cohort tables."""
    page.evaluate("window.scrollTo(0, 0)")
    box = page.locator("#findings .findings").bounding_box()
    assert box["y"] < 200 and box["y"] + box["height"] < 900
    text = page.locator("#findings").inner_text()
    assert "Objective response rate" in text and "20.0%" in text and "Median PFS" in text
    assert "TWIST1 amp vs response" in text


def test_table_one_and_new_figures(page):
    t1 = page.locator("#table-one")
    assert t1.count() == 1 and "median (range)" in t1.inner_text()
    for name in ("forest", "interactions"):
        img = page.locator(f"#fig-{name} img")
        img.scroll_into_view_if_needed()
        assert img.evaluate("e => e.complete && e.naturalWidth > 100")
        assert page.locator(f"#fig-{name} figcaption").inner_text().strip()


def _open(page, selector):
    page.locator(selector).first.evaluate("e => { e.open = true; }")


def test_wide_tables_do_not_wrap_one_word_per_line(page):
    _open(page, "#associations details")
    row = page.locator("#assoc-table tbody tr").first
    cells = row.locator("td")
    heights = [cells.nth(i).bounding_box()["height"] for i in range(cells.count() - 1)]
    assert max(heights) < 3 * min(heights)  # the note wraps; the others stay on one line
    gene = cells.nth(0).bounding_box()
    assert gene["height"] < 40


def test_table_downloads_as_tsv(page, workdir):  # noqa: F811
    _open(page, "#associations details")
    link = page.locator('a.download[download="associations.tsv"]')
    assert link.count() == 1
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    assert Path(path).read_bytes() == Path(workdir.files["associations"]).read_bytes()


def test_tables_present(page):
    for table in ("outcomes-table", "assoc-table", "inter-table", "set-aside", "inputs",
                  "versions"):
        assert page.locator(f"#{table}").count() == 1, table
    assert page.locator("#assoc-table tbody tr").count() > 5


def _column(page, table, name):
    headers = page.locator(f"#{table} thead th").all_inner_texts()
    idx = [h.strip(" \u25b2\u25bc") for h in headers].index(name)
    cells = page.locator(f"#{table} tbody tr:not([hidden]) td:nth-child({idx + 1})")
    return idx, cells.all_inner_texts()


def test_association_table_sorts(page):
    _open(page, "#associations details")
    header = page.locator("#assoc-table thead th", has_text="p").filter(has_text=re.compile("^p$"))
    header.click()
    _, values = _column(page, "assoc-table", "p")
    nums = [float(v) for v in values if v]
    assert nums == sorted(nums) and nums[0] < nums[-1]
    header.click()
    _, values = _column(page, "assoc-table", "p")
    nums = [float(v) for v in values if v]
    assert nums == sorted(nums, reverse=True)
    page.locator("#assoc-table thead th", has_text="gene").first.click()
    _, genes = _column(page, "assoc-table", "gene")
    assert genes == sorted(genes)


def test_association_table_filters(page):
    box = page.locator('input.filter[data-table="assoc-table"]')
    box.fill("TWIST1")
    _, genes = _column(page, "assoc-table", "gene")
    assert genes and set(genes) == {"TWIST1"}
    box.fill("deletion response")
    _, alts = _column(page, "assoc-table", "alteration")
    assert alts and set(alts) == {"deletion"}
    box.fill("")
    assert page.locator("#assoc-table tbody tr:not([hidden])").count() == page.locator(
        "#assoc-table tbody tr").count()


def test_gene_page_opens(page):
    page.locator("#gene-TWIST1 > summary").click()
    assert page.locator("#gene-TWIST1 table").first.is_visible()
    assert "P01" in page.locator("#gene-TWIST1").inner_text()


def test_hostile_text_is_shown_not_run(tmp_path, page):
    """Sheet and file text such as <script> or an onerror attribute appears as text in the
    browser and never executes; non-ASCII names survive."""
    import report_fixtures as rf
    from cohortmark.report import provenance, render_report

    sheet, panel, alt, assoc, outcomes = rf.trial()
    attacks = ['<script>window.__pwned = 1</script>',
               '"><img src=x onerror="window.__pwned = 2">',
               "'; window.__pwned = 3; '", "Ødegaard–Müller 李"]
    panel = panel.assign(group=panel["group"].where(panel["gene"] != "MDM2", attacks[0]))
    for pid, text in zip(["P03", "P04", "P05"], attacks[1:]):
        alt.loc[alt["patient_id"] == pid, "protein_change"] = text
    out = render_report({"sheet": sheet, "panel": panel, "alterations": alt,
                         "associations": assoc, "outcomes": outcomes}, {},
                        provenance({"samples": attacks[1], "figures": {
                            "report_title": attacks[0]}}, {}), tmp_path / "r.html")
    # A fresh offline context of the module's browser (one Playwright per process).
    context = page.context.browser.new_context(offline=True)
    pg = context.new_page()
    dialogs = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.goto(out.resolve().as_uri(), wait_until="load")
    pwned = pg.evaluate("window.__pwned === undefined ? null : window.__pwned")
    text = pg.evaluate("document.body.textContent")  # hidden (collapsed) parts too
    images = pg.evaluate("document.querySelectorAll('img[src=\"x\"]').length")
    context.close()
    assert pwned is None and dialogs == [] and images == 0
    for attack in attacks:
        assert attack in text, attack
