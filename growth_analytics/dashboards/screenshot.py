"""Log in to Superset with headless Chromium, open each dashboard, check that every chart drew
and none shows an error, and save a PNG of it.

Runs with the Superset environment's Python (`.venv/superset/bin/python screenshot.py ...`),
which ships Selenium; it imports nothing from this project. Prints one JSON object per dashboard
and exits 1 when any dashboard is blank or shows an error. A last JSON object lists what the
pages asked of any other host than Superset (the login and home pages included, which carry
the menu bar and its telemetry pixel): {"other_hosts": {"sent": [...], "blocked": [...]}}.

    screenshot.py BASE_URL USER OUT_DIR SLUG [SLUG ...]   (the password comes on standard input)
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, ImageStat
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

# Flags that work offline: no first-run, sync, component updates or QUIC to unreachable hosts.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Tall enough for the longest dashboard: the picture is cropped to the charts afterwards.
    "--window-size=1400,3200",
)
# What a chart that drew contains: ECharts draws on a canvas, tables are tables.
DRAWN = "canvas, table tbody tr, svg"
ERRORS = ".alert-danger, .ant-alert-error, [data-test='error-tooltip'], .error-message"
ERROR_TEXTS = ("Unexpected error", "No results were returned", "An error occurred", "Traceback")


def browser(profile: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    # The DevTools network events: every request a page makes, and why one was blocked.
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def other_hosts(driver: webdriver.Chrome, base_url: str, seen: dict[str, dict]) -> None:
    """Add the page's http(s) requests to other hosts than Superset's to seen (by request id),
    with the reason the browser blocked one (for example "csp": the Content Security Policy),
    if it did. The performance log is emptied by each read."""
    home = urlsplit(base_url).netloc
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            url = params["request"]["url"]
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and parts.netloc != home:
                seen[params["requestId"]] = {"url": url, "blocked": None}
        elif message["method"] == "Network.loadingFailed" and params["requestId"] in seen:
            seen[params["requestId"]]["blocked"] = params.get("blockedReason")


def log_in(driver: webdriver.Chrome, base_url: str, user: str, password: str) -> None:
    """Fill the login form; React may re-render it under a fast typist, so try a few times."""
    for _ in range(3):
        driver.get(f"{base_url}/login/")
        # Superset 6's login form is React: its inputs have ids, not names.
        WebDriverWait(driver, 60).until(
            expected_conditions.element_to_be_clickable((By.ID, "username"))
        )
        time.sleep(1)
        for field, value in (("username", user), ("password", password)):
            element = driver.find_element(By.ID, field)
            element.clear()
            element.send_keys(value)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        try:
            WebDriverWait(driver, 20).until(lambda d: "/login" not in d.current_url)
            return
        except TimeoutException:
            continue
    raise TimeoutException(f"could not log in to {base_url} as {user}")


def chart_states(driver: webdriver.Chrome) -> list[dict]:
    """For each chart holder on the page: its title, whether it drew, any error it shows."""
    return driver.execute_script(
        """
        const drawn = arguments[0], errors = arguments[1], texts = arguments[2];
        return [...document.querySelectorAll('.dashboard-component-chart-holder')].map(h => {
          const title = (h.querySelector('.header-title, [data-test="editable-title"]') || {})
            .innerText || '';
          const text = h.innerText || '';
          return {
            title: title.trim(),
            drawn: h.querySelector(drawn) !== null,
            loading: h.querySelector('.loading, [aria-label="Loading"]') !== null,
            error: h.querySelector(errors) !== null || texts.some(t => text.includes(t)),
          };
        });
        """,
        DRAWN,
        ERRORS,
        list(ERROR_TEXTS),
    )


def settle(driver: webdriver.Chrome, timeout: float = 90) -> list[dict]:
    """Wait until every chart drew or failed, then a moment for animations to end."""
    began = time.monotonic()
    states: list[dict] = []
    while time.monotonic() - began < timeout:
        states = chart_states(driver)
        if states and all((s["drawn"] or s["error"]) and not s["loading"] for s in states):
            time.sleep(3)
            return chart_states(driver)
        time.sleep(1)
    return states


def crop_to_charts(driver: webdriver.Chrome, png: Path) -> None:
    """Cut the picture below the lowest chart (the window is taller than any dashboard)."""
    bottom = driver.execute_script(
        "return Math.max(...[...document.querySelectorAll('.dashboard-component-chart-holder')]"
        ".map(e => e.getBoundingClientRect().bottom))"
    )
    with Image.open(png) as image:
        box = (0, 0, image.width, min(image.height, int(bottom) + 24))
        image.crop(box).save(png)


def not_blank(png: Path) -> bool:
    """A page that drew charts has many colours; a blank or half-loaded one hardly any."""
    with Image.open(png) as image:
        gray = image.convert("L")
        return ImageStat.Stat(gray).stddev[0] > 8 and len(gray.getcolors(65536) or []) > 32


def main(argv: list[str]) -> int:
    base_url, user, out_dir, *slugs = argv
    password = sys.stdin.readline().rstrip("\n")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    failed = False
    requests: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as profile:
        driver = browser(profile)
        try:
            log_in(driver, base_url, user, password)
            # The home page the login lands on draws the menu bar (standalone dashboards do
            # not): give its images time to be asked for.
            time.sleep(3)
            other_hosts(driver, base_url, requests)
            for slug in slugs:
                began = time.monotonic()
                driver.get(f"{base_url}/superset/dashboard/{slug}/?standalone=1")
                states = settle(driver)
                png = out / f"{slug}.png"
                driver.save_screenshot(str(png))
                crop_to_charts(driver, png)
                result = {
                    "slug": slug,
                    "charts": len(states),
                    "drawn": sum(s["drawn"] for s in states),
                    "errors": [s["title"] for s in states if s["error"]],
                    "not_drawn": [s["title"] for s in states if not s["drawn"]],
                    "not_blank": not_blank(png),
                    "seconds": round(time.monotonic() - began, 1),
                    "png": str(png),
                }
                failed |= bool(
                    not states or result["errors"] or result["not_drawn"] or not result["not_blank"]
                )
                print(json.dumps(result), flush=True)
                other_hosts(driver, base_url, requests)
        finally:
            driver.quit()
    sent = sorted({r["url"] for r in requests.values() if not r["blocked"]})
    blocked = sorted({f"{r['url']} ({r['blocked']})" for r in requests.values() if r["blocked"]})
    print(json.dumps({"other_hosts": {"sent": sent, "blocked": blocked}}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
