"""`printpipe watch`: the live proof server, its rebuilds, and the page in a real browser.

Each test runs the real command in a subprocess on a copy of the 2019 sample and talks to it
over HTTP (raw requests, so no client normalises a hostile path away) or through headless
Chromium driven by Selenium.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import EPOCH, ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@dataclass
class Watcher:
    process: subprocess.Popen[str]
    port: int
    edition: Path
    tmp: Path

    def get(self, path: str, host: str | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", host or f"127.0.0.1:{self.port}")
            connection.endheaders()
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def state(self) -> dict[str, Any]:
        status, body = self.get("/state.json")
        assert status == 200
        state: dict[str, Any] = json.loads(body)
        return state

    def wait_for(self, done: Callable[[dict[str, Any]], bool], seconds: float = 90) -> dict:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            assert self.process.poll() is None, self.process.stdout and self.process.stdout.read()
            state = self.state()
            if done(state):
                return state
            time.sleep(0.1)
        raise AssertionError(f"watch state not reached in {seconds} s: {self.state()}")


def _copy_sample(root: Path) -> Path:
    for folder in ("layouts", "assets"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copytree(ROOT / "editions" / "2019", root / "editions" / "2019")
    return root / "editions" / "2019"


def _start(tmp_path: Path, *extra: str) -> Watcher:
    edition = _copy_sample(tmp_path / "project")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "TMPDIR": str(temp)}
    process = subprocess.Popen(
        [sys.executable, "-m", "printpipe", "watch", str(edition), "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path / "project",
        # Ctrl-C must reach it even when the test run itself ignores SIGINT (a background job).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert found, line + process.stdout.read()
    return Watcher(process, int(found[1]), edition, temp)


@pytest.fixture
def watcher(tmp_path: Path) -> Iterator[Watcher]:
    started = _start(tmp_path)
    try:
        yield started
    finally:
        if started.process.poll() is None:
            started.process.terminate()
            started.process.wait(timeout=30)


def _edit_first_paragraph(edition: Path, text: str) -> None:
    letter = edition / "sections" / "01-letter.md"
    blocks = letter.read_text(encoding="utf-8").split("\n\n")
    first = next(i for i, block in enumerate(blocks) if block and not block.startswith("#"))
    blocks[first] = text
    letter.write_text("\n\n".join(blocks), encoding="utf-8")


def _non_loopback_addresses() -> list[str]:
    """IPv4 addresses of this machine other than 127.x (the route out, the host name's)."""
    found = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
            found.add(probe.getsockname()[0])
        except OSError:
            pass
    with contextlib.suppress(OSError):
        found.update(info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None))
    return sorted(a for a in found if "." in a and not a.startswith("127.") and a != "0.0.0.0")


def test_server_refuses_paths_outside_and_answers_only_on_loopback(watcher: Watcher) -> None:
    state = watcher.wait_for(lambda s: s["generation"] is not None)
    pages = len(state["pages"])
    assert state["ok"] and pages > 10
    status, body = watcher.get(f"/page/{state['generation']}/1.png")
    assert status == 200 and body.startswith(b"\x89PNG")
    for hostile in (
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        f"/page/{state['generation']}/../../../../etc/passwd",
        "/page/1/..%2f..%2f..%2fetc%2fpasswd",
        "//etc/passwd",
        "/watch.js/../../../etc/passwd",
        "/page/1/0.png",
        f"/page/1/{pages + 1}.png",
    ):
        status, body = watcher.get(hostile)
        assert status == 404, hostile
        assert b"root:" not in body
    # Another host name (DNS rebinding from a web page elsewhere) is refused.
    status, _ = watcher.get("/state.json", host=f"attacker.example:{watcher.port}")
    assert status == 403
    # Bound to loopback: no other address of this machine answers on the port.
    addresses = _non_loopback_addresses()
    for address in addresses:
        with pytest.raises(OSError), socket.create_connection((address, watcher.port), timeout=3):
            pass
    listening = subprocess.run(
        ["ss", "-Hltn", f"sport = :{watcher.port}"], capture_output=True, text=True
    )
    if listening.returncode == 0:  # iproute2 is there: the one listener is 127.0.0.1
        assert re.findall(r"(\S+):\d+\s", listening.stdout)[:1] == ["127.0.0.1"], listening.stdout


def test_failed_rebuild_keeps_the_last_good_proof_and_shows_errors(watcher: Watcher) -> None:
    first = watcher.wait_for(lambda s: s["generation"] is not None)
    good = first["generation"]
    yaml_file = watcher.edition / "edition.yaml"
    original = yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text(original.replace("year: 2019", "year: [2019"), encoding="utf-8")
    failed = watcher.wait_for(lambda s: s["attempt"] > first["attempt"] and not s["building"])
    assert failed["ok"] is False
    assert "edition.yaml" in failed["errors"][0] and "error" in failed["errors"][0]
    assert failed["generation"] == good and failed["pages"] == first["pages"]
    status, body = watcher.get(f"/page/{good}/5.png")
    assert status == 200 and body.startswith(b"\x89PNG")
    # Fixing the file lands a new good build.
    yaml_file.write_text(original, encoding="utf-8")
    fixed = watcher.wait_for(lambda s: s["ok"] and s["generation"] != good)
    assert fixed["errors"] == [] and len(fixed["pages"]) == len(first["pages"])


def test_ctrl_c_stops_cleanly(watcher: Watcher) -> None:
    watcher.wait_for(lambda s: s["generation"] is not None)
    assert list(watcher.tmp.glob("printpipe-watch-*"))
    watcher.process.send_signal(signal.SIGINT)
    output, _ = watcher.process.communicate(timeout=30)
    assert watcher.process.returncode == 0, output
    assert "stopped" in output and "Traceback" not in output
    assert not list(watcher.tmp.iterdir())  # the private work folder is gone
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", watcher.port), timeout=3).close()
    # Nothing was written into the project's build folder but the image cache.
    build = watcher.edition.parent.parent / "build"
    assert not build.exists() or {p.name for p in build.iterdir()} <= {".cache"}


# --- a real browser ----------------------------------------------------------------------------


def _chromium() -> Any:
    """Headless Debian Chromium through Selenium; nothing is downloaded."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        message = "Debian's chromium and chromium-driver are needed (apt-get install them)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    return options, Service(executable_path=str(CHROMEDRIVER)), webdriver


PAGE_DIGESTS = """
const done = arguments[arguments.length - 1];
const images = [...document.querySelectorAll('#spreads img')];
Promise.all(images.map((img) => { img.loading = 'eager'; return img.decode().then(() => {
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let sum = 0;
  for (let i = 0; i < data.length; i += 7) sum = (sum * 31 + data[i]) % 2147483647;
  return [Number(img.dataset.page), sum];
}); })).then(done, (error) => done(String(error)));
"""


def test_live_proof_in_headless_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never fetch a driver
    options, service, webdriver = _chromium()
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    watcher = _start(tmp_path, "--target", "press")
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_script_timeout(120)
        first = watcher.wait_for(lambda s: s["generation"] is not None, seconds=180)
        driver.get(f"http://127.0.0.1:{watcher.port}/")
        wait = WebDriverWait(driver, 30)
        # The pages as spreads: page 1 alone, then 2-3, 4-5, ...
        pages = len(first["pages"])
        assert pages % 4 == 0 and first["spreads"][0] == [None, 0]
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".spread")) == pages // 2 + 1)
        spreads = driver.find_elements(By.CSS_SELECTOR, ".spread")
        assert len(spreads[1].find_elements(By.CSS_SELECTOR, "figure.page")) == 2
        assert "build" in driver.find_element(By.ID, "status").text
        # The press resolution warning (the partner's 800 px snapshot) is listed and pinned to
        # the PDF page its message names.
        warning = next(f for f in first["findings"] if "246 ppi" in f["message"])
        assert "partner-snapshot.jpg" in warning["where"] and len(warning["pages"]) == 1
        findings = driver.find_element(By.ID, "findings")
        assert findings.is_displayed()
        assert warning["message"] in findings.text
        pin = driver.find_element(By.CSS_SELECTOR, f"#page-{warning['pages'][0]} .pin")
        assert "246 ppi" in pin.text
        assert not driver.find_elements(By.CSS_SELECTOR, "#page-1 .pin")
        # Guides are drawn over the page and toggle off and on.
        guide = driver.find_element(By.CSS_SELECTOR, "#page-3 svg")
        assert guide.is_displayed()
        assert len(guide.find_elements(By.CSS_SELECTOR, "rect.guide")) == 3
        driver.find_element(By.ID, "guides").click()
        assert not guide.is_displayed()
        driver.find_element(By.ID, "guides").click()
        assert guide.is_displayed()
        before = dict(driver.execute_async_script(PAGE_DIGESTS))
        assert len(before) == pages and len(set(before.values())) > 10

        _edit_first_paragraph(
            watcher.edition,
            "This paragraph was rewritten while the proof was open, to see it change.",
        )
        edited = time.monotonic()
        wait = WebDriverWait(driver, 60)
        wait.until(
            lambda d: (
                d.find_element(By.ID, "status").get_attribute("data-generation")
                not in ("", str(first["generation"]))
            )
        )
        assert time.monotonic() - edited < 60
        after = dict(driver.execute_async_script(PAGE_DIGESTS))
        changed = sorted(page for page in before if before[page] != after.get(page))
        assert changed, "no page looks different after the edit"
        assert 1 not in changed  # the cover is not the letter
    finally:
        driver.quit()
        watcher.process.terminate()
        watcher.process.wait(timeout=30)


def test_which_changes_trigger_a_rebuild(tmp_path: Path) -> None:
    """An edit anywhere in the edition counts; the build's own writes into build/ do not."""
    import watchfiles

    from printpipe.watch import Session

    modified = watchfiles.Change.modified
    alone = tmp_path / "alone" / "2019"  # no project above it: build/ goes into the edition
    shutil.copytree(ROOT / "editions" / "2019", alone)
    inside = _copy_sample(tmp_path / "project")  # a project, the edition kept under build/
    under_build = shutil.copytree(inside, inside.parent.parent / "build" / "bench" / "S")
    for edition in (alone, under_build):
        session = Session(edition, "proof", 96, lambda line: None)
        try:
            section = edition.resolve() / "sections" / "01-letter.md"
            assert session.relevant({(modified, str(section))})
            assert session.relevant({(watchfiles.Change.added, str(section.with_name("x.md")))})
            cache = edition.resolve() / "build" / ".cache" / "images" / "x.jpg"
            assert session.relevant({(modified, str(cache))}) is (edition == under_build)
        finally:
            session.close()
