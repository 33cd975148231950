"""What a user sees: a variant's pages loaded in headless Chromium, checked as a person would.

`inspect_site()` visits the home page, the admin login and the home page again in one browser
context, and returns what it saw: every problem as one line naming the variant, the page and
the element or URL (a script or stylesheet without an integrity digest is one; a digest the
bytes fail is a console error, another; a stylesheet or font that the Link header does not
preload, or that is fetched twice, one more), the bytes the first visit transferred, and which
static files the repeat visit fetched from the network instead of the browser's cache.
"""

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .servers import LOOPBACK

# Colours the project's and the admin's stylesheets give, as getComputedStyle reports them.
PROJECT_HEADER_BACKGROUND = "rgb(12, 74, 110)"  # static/css/site.css: .site-header, --accent
ADMIN_HEADER_BACKGROUND = "rgb(65, 118, 144)"  # django/contrib/admin: #header, --header-bg
WEB_FONT = "Site Sans"

HOME_CHECKS = """async (font) => {
  await document.fonts.ready;
  const header = document.querySelector(".site-header");
  const faces = [...document.fonts].filter((face) => face.family.replace(/"/g, "") === font);
  return {
    header: header ? getComputedStyle(header).backgroundColor : null,
    bodyFont: getComputedStyle(document.body).fontFamily,
    fontLoaded: document.fonts.check(`1em "${font}"`) && faces.some((f) => f.status === "loaded"),
    script: document.documentElement.dataset.script || null,
    images: [...document.images].map((img) => ({src: img.currentSrc, width: img.naturalWidth})),
  };
}"""

# Every script and stylesheet element without an integrity attribute, by URL.
WITHOUT_INTEGRITY = """() => [...document.querySelectorAll('link[rel~="stylesheet"], script[src]')]
  .filter((element) => !element.integrity).map((element) => element.href || element.src)"""
# What the home page preloads (STATIC_PRELOAD): its stylesheet and its web font.
PRELOADED = ("/css/site.", "/fonts/dejavu-sans-subset.")

# The admin's tags outside any block of admin/base.html: a project cannot give them a digest.
ADMIN_OUTSIDE_BLOCKS = ("/admin/css/nav_sidebar.", "/admin/js/nav_sidebar.")

ADMIN_CHECKS = """() => {
  const header = document.querySelector("#header");
  return {header: header ? getComputedStyle(header).backgroundColor : null};
}"""


@dataclass
class Visit:
    """The network activity of one page load, from Chromium's own events (CDP)."""

    requests: dict = field(default_factory=dict)  # requestId -> url
    statuses: dict = field(default_factory=dict)  # requestId -> status
    from_cache: set = field(default_factory=set)  # requestIds served from memory or disk
    encoded_bytes: dict = field(default_factory=dict)  # requestId -> bytes on the wire
    failed: dict = field(default_factory=dict)  # requestId -> error text
    headers: dict = field(default_factory=dict)  # the document's response headers

    def fetched(self, path_part: str) -> list[str]:
        """Every request (network or cache) for a URL containing `path_part`."""
        return sorted(url for url in self.requests.values() if path_part in url)

    def network_fetches(self, path_part: str) -> list[str]:
        """URLs containing `path_part` that came from the network, not the browser cache."""
        return sorted(
            self.requests[request_id]
            for request_id in self.statuses
            if request_id not in self.from_cache and path_part in self.requests[request_id]
        )


@dataclass
class Report:
    name: str
    problems: list = field(default_factory=list)
    first_visit_bytes: int = 0
    first_visit_requests: int = 0
    repeat_visit_network: list = field(default_factory=list)
    repeat_visit_cached: int = 0

    def fail(self, page: str, what: str) -> None:
        self.problems.append(f"{self.name}, {page}: {what}")


def watch(page) -> "callable":
    """Start recording a page's network events; call the result to get the Visit so far."""
    client = page.context.new_cdp_session(page)
    client.send("Network.enable")
    state = {"visit": Visit()}

    def sent(event):
        state["visit"].requests[event["requestId"]] = event["request"]["url"]

    def received(event):
        visit, response = state["visit"], event["response"]
        visit.requests.setdefault(event["requestId"], response["url"])
        visit.statuses[event["requestId"]] = response["status"]
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            visit.from_cache.add(event["requestId"])

    client.on("Network.requestWillBeSent", sent)
    client.on("Network.responseReceived", received)
    client.on(
        "Network.requestServedFromCache",
        lambda event: state["visit"].from_cache.add(event["requestId"]),
    )
    client.on(
        "Network.loadingFinished",
        lambda event: state["visit"].encoded_bytes.__setitem__(
            event["requestId"], event["encodedDataLength"]
        ),
    )
    client.on(
        "Network.loadingFailed",
        lambda event: state["visit"].failed.__setitem__(event["requestId"], event["errorText"]),
    )

    def take() -> Visit:
        visit, state["visit"] = state["visit"], Visit()
        return visit

    return take


def load(page, take, url: str, label: str, report: Report) -> Visit:
    """Load `url` until the network is idle; report every failed or 4xx/5xx request."""
    response = page.goto(url, wait_until="networkidle")
    visit = take()
    visit.headers = response.headers if response is not None else {}
    if response is None or response.status >= 400:
        report.fail(label, f"the page answered {response.status if response else 'nothing'}")
    for request_id, status in visit.statuses.items():
        if status >= 400:
            report.fail(label, f"{visit.requests[request_id]} answered {status}")
    for request_id, error in visit.failed.items():
        report.fail(label, f"{visit.requests.get(request_id, request_id)} failed: {error}")
    for url_seen in visit.requests.values():
        host = urlsplit(url_seen).hostname
        if host not in (LOOPBACK, "localhost", None) and not url_seen.startswith("data:"):
            report.fail(label, f"{url_seen} left the machine")
    return visit


def inspect_site(browser, name: str, base_url: str, screenshot: Path | None = None) -> Report:
    """Home, admin login, then home again in one context; what a person would notice."""
    report = Report(name)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        console = []
        # Errors, and Chromium's warnings of a preload the page did not use as it was made.
        page.on(
            "console",
            lambda m: (m.type == "error" or "preload" in m.text) and console.append(m.text),
        )
        take = watch(page)

        first = load(page, take, f"{base_url}/", "home page", report)
        report.first_visit_bytes = sum(first.encoded_bytes.values())
        report.first_visit_requests = len(first.requests)
        seen = page.evaluate(HOME_CHECKS, WEB_FONT)
        if seen["header"] != PROJECT_HEADER_BACKGROUND:
            report.fail(
                "home page",
                f".site-header background is {seen['header']}, not the stylesheet's "
                f"{PROJECT_HEADER_BACKGROUND}: site.css was not applied",
            )
        if not seen["fontLoaded"] or WEB_FONT not in seen["bodyFont"]:
            report.fail(
                "home page",
                f'web font "{WEB_FONT}" not in use (body font-family {seen["bodyFont"]!r})',
            )
        for image in seen["images"]:
            if not image["width"]:
                report.fail("home page", f"image {image['src']} has no natural width")
        if not seen["images"]:
            report.fail("home page", "no image on the page")
        if seen["script"] != "ran":
            report.fail("home page", "site.js did not run (html[data-script] not set)")
        for url in page.evaluate(WITHOUT_INTEGRITY):
            report.fail("home page", f"{url} is linked without an integrity digest")
        link = first.headers.get("link", "")
        for part in PRELOADED:
            if not any(part in hint and "rel=preload" in hint for hint in link.split(",")):
                report.fail("home page", f"no Link header preloads {part}: {link!r}")
            # A preload made otherwise than the page's own request is fetched a second time.
            if len(fetched := first.fetched(part)) != 1:
                report.fail("home page", f"{part} was fetched {len(fetched)} times: {fetched}")
        if screenshot:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), type="jpeg", quality=70, full_page=True)

        load(page, take, f"{base_url}/admin/login/", "admin login", report)
        admin = page.evaluate(ADMIN_CHECKS)
        if admin["header"] != ADMIN_HEADER_BACKGROUND:
            report.fail(
                "admin login",
                f"#header background is {admin['header']}, not the admin CSS's "
                f"{ADMIN_HEADER_BACKGROUND}: the admin is unstyled",
            )
        for url in page.evaluate(WITHOUT_INTEGRITY):
            if not any(part in url for part in ADMIN_OUTSIDE_BLOCKS):
                report.fail("admin login", f"{url} is linked without an integrity digest")

        repeat = load(page, take, f"{base_url}/", "home page, repeat visit", report)
        report.repeat_visit_network = repeat.network_fetches("/static/")
        report.repeat_visit_cached = sum(
            "/static/" in repeat.requests.get(request_id, "") for request_id in repeat.from_cache
        )
        if not report.repeat_visit_cached:
            report.fail("home page, repeat visit", "no static file came from the browser cache")
        for url in report.repeat_visit_network:
            report.fail("home page, repeat visit", f"{url} was fetched again, not from cache")
        for message in console:
            report.fail("console", message)
    finally:
        context.close()
    return report


# First and largest contentful paint, and when the web font had arrived, as the page reports them.
PAINT_TIMES = """() => new Promise((resolve) => {
  const paint = () => performance.getEntriesByName("first-contentful-paint")[0];
  const font = () => performance.getEntriesByType("resource")
    .find((entry) => entry.name.includes(".woff2"));
  const done = (lcp) => resolve({
    fcp: paint() ? paint().startTime : null, lcp, font: font() ? font().responseEnd : null,
  });
  setTimeout(() => done(null), 5000);
  new PerformanceObserver((list) => {
    const entries = list.getEntries();
    done(entries[entries.length - 1].startTime);
  }).observe({type: "largest-contentful-paint", buffered: true});
})"""
ASSET_INTEGRITY = """() => [...document.querySelectorAll('link[rel~="stylesheet"], script[src]')]
  .map((element) => ({url: element.href || element.src, integrity: Boolean(element.integrity)}))"""


def first_visits(browser, url: str, loads: int = 5, latency_ms: int = 80) -> dict:
    """`loads` first visits of `url`, each in a fresh context (no cache, no open connection),
    with `latency_ms` added to every request by Chromium (loopback has none): the medians of
    first and largest contentful paint, the page's Link header, and which of its scripts and
    stylesheets carry an integrity digest."""
    paints, largest, fonts, seen = [], [], [], {}
    for _ in range(loads):
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        try:
            page = context.new_page()
            client = context.new_cdp_session(page)
            client.send("Network.enable")
            client.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": latency_ms,
                    "downloadThroughput": -1,
                    "uploadThroughput": -1,
                },
            )
            response = page.goto(url, wait_until="load")
            times = page.evaluate(PAINT_TIMES)
            paints.append(times["fcp"])
            largest.append(times["lcp"])
            fonts.append(times["font"])
            seen = {
                "link": response.headers.get("link", "") if response else "",
                "integrity": page.evaluate(ASSET_INTEGRITY),
            }
        finally:
            context.close()
    return {
        "fcp_ms": statistics.median(p for p in paints if p is not None),
        "lcp_ms": statistics.median(p for p in largest if p is not None),
        "font_ms": statistics.median(p for p in fonts if p is not None),
        "loads": loads,
        "latency_ms": latency_ms,
        **seen,
    }
