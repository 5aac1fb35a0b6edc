"""The web-chat demo server (python -m bot widget serve): page with the Rasa URL injected, the bundle, errors."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cli.main import main as cli_main
from tools import widget_demo

PAGE = """<!doctype html><html><body><p>Intranet</p>
<script>window.LederbotConfig = {serverUrl: "http://localhost:5005", title: "Lederassistenten"};</script>
<script src="/lederbot-widget.js" defer></script>
</body></html>"""


def test_rasa_url_is_injected_before_the_widget_script_as_json() -> None:
    page = widget_demo.render_page(PAGE, "http://bot.intra:5005")
    injected = '{serverUrl: "http://bot.intra:5005"}'
    assert page.index(injected) < page.index('<script src="/lederbot-widget.js"')
    assert page.index('serverUrl: "http://localhost:5005"') < page.index(injected)  # overrides the page's own


def test_injected_url_cannot_break_out_of_the_script() -> None:
    page = widget_demo.render_page(PAGE, 'http://x/</script><script>alert(1)</script>&"')
    assert "</script><script>alert(1)" not in page
    assert '"http://x/\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\\u0026\\""' in page


def test_page_without_the_script_tag_gets_the_config_before_body_end() -> None:
    page = widget_demo.render_page("<html><body></body></html>", "http://h:1")
    assert page.endswith('{serverUrl: "http://h:1"});</script>\n  </body></html>')


@pytest.mark.parametrize("url", ["localhost:5005", "ftp://h/", "http://", "javascript:alert(1)"])
def test_bad_rasa_url_is_refused(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert widget_demo.main(["serve", "--rasa-url", url]) == 2
    assert "--rasa-url" in capsys.readouterr().err


def test_missing_bundle_says_run_make_widget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(widget_demo, "DIST_DIR", tmp_path / "dist")
    assert cli_main(["widget", "serve", "--port", "0"]) == 1
    assert "run `make widget`" in capsys.readouterr().err


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "lederbot-widget.js").write_text("console.log('widget');", encoding="utf-8")
    demo = tmp_path / "index.html"
    demo.write_text(PAGE, encoding="utf-8")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), widget_demo.make_handler("http://rasa.test:5005", dist, demo))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def fetch(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, "", ""


def test_serves_page_bundle_and_health(server: str) -> None:
    status, kind, body = fetch(server + "/")
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert '{serverUrl: "http://rasa.test:5005"}' in body
    assert fetch(server + "/lederbot-widget.js")[:2] == (200, "text/javascript; charset=utf-8")
    assert fetch(server + "/healthz")[0] == 200
    assert fetch(server + "/lederbot-widget.js.map")[0] == 404  # no source map built here
    assert fetch(server + "/../pyproject.toml")[0] == 404
    assert fetch(server + "/index.html")[2] == body
