"""``python -m bot widget serve``: the demo intranet page with the web-chat widget, and the HR workbench.

Serves ``widget/demo/index.html`` at ``/`` (with ``serverUrl`` in its ``window.LederbotConfig`` set to
``--rasa-url``) and the built widget ``widget/dist/lederbot-widget.js`` (``make widget``). The page comes from a
different origin than Rasa, like a real intranet page: the widget talks to Rasa's socket.io channel cross-origin.
With ``--hr-url`` every ``/hr/…`` request is passed on to the HR workbench (``python -m bot hr serve``), so
``make run`` offers both on one address, as an intranet's reverse proxy would.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
WIDGET_DIR = ROOT / "widget"
DIST_DIR = WIDGET_DIR / "dist"
DEMO_PAGE = WIDGET_DIR / "demo" / "index.html"
BUNDLE = "lederbot-widget.js"

WIDGET_TAG = re.compile(r"<script\b[^>]*\bsrc=[\"'][^\"']*lederbot-widget\.js[\"']", re.IGNORECASE)


class WidgetNotBuilt(RuntimeError):
    pass


def check_rasa_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--rasa-url skal være en http(s)-adresse, fx http://localhost:5005 (fik {url!r})")
    return url.rstrip("/")


def config_script(rasa_url: str) -> str:
    """A <script> that sets serverUrl in the page's config object; the URL is JSON, safe inside <script>."""
    value = json.dumps(rasa_url).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        "<script>window.LederbotConfig = Object.assign(window.LederbotConfig || {}, "
        f"{{serverUrl: {value}}});</script>\n  "
    )


def render_page(page: str, rasa_url: str) -> str:
    """The demo page with the Rasa URL injected just before the widget's script tag."""
    script = config_script(rasa_url)
    match = WIDGET_TAG.search(page)
    if match:
        return page[: match.start()] + script + page[match.start():]
    return page.replace("</body>", script + "</body>", 1)


def check_built(dist: Path | None = None) -> None:
    bundle = (dist or DIST_DIR) / BUNDLE
    if not bundle.is_file():
        raise WidgetNotBuilt(f"{bundle} findes ikke: run `make widget` (bygger web-chatten med npm) først.")


HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host"}


def forward(handler: BaseHTTPRequestHandler, target: str) -> None:
    """Pass one request on to ``target`` (the HR workbench) and its answer back, headers and cookies included."""
    parts = urlsplit(target)
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else None
    headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_BY_HOP}
    headers["X-Forwarded-Host"] = handler.headers.get("Host", "")
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=60)
    try:
        connection.request(handler.command, handler.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
    except OSError:
        handler.send_error(HTTPStatus.BAD_GATEWAY, "HR-værktøjet svarer ikke")
        return
    finally:
        connection.close()
    handler.send_response(response.status)
    for key, value in response.getheaders():
        if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
            handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(data)


def make_handler(rasa_url: str, dist: Path | None = None, demo: Path | None = None,
                 hr_url: str | None = None) -> type[BaseHTTPRequestHandler]:
    """Files are read per request, so a `make widget` while the demo runs shows up on the next reload."""
    dist = dist or DIST_DIR
    page_file = demo or DEMO_PAGE
    files = {
        f"/{BUNDLE}": (dist / BUNDLE, "text/javascript; charset=utf-8"),
        f"/{BUNDLE}.map": (dist / f"{BUNDLE}.map", "application/json; charset=utf-8"),
    }

    class Handler(BaseHTTPRequestHandler):
        server_version = "LederbotDemo/1"

        def _body(self, path: str) -> tuple[bytes, str] | None:
            if path == "/healthz":
                return b"ok\n", "text/plain; charset=utf-8"
            if path in ("/", "/index.html"):
                page = render_page(page_file.read_text(encoding="utf-8"), rasa_url)
                return page.encode("utf-8"), "text/html; charset=utf-8"
            if path in files:
                file, kind = files[path]
                return (file.read_bytes(), kind) if file.is_file() else None
            return None

        def _send(self, head_only: bool) -> None:
            path = urlsplit(self.path).path
            if path == "/favicon.ico":
                self.send_response(HTTPStatus.NO_CONTENT)
                self.end_headers()
                return
            found = self._body(path)
            if found is None:
                self.send_error(HTTPStatus.NOT_FOUND, "Ikke fundet")
                return
            body, kind = found
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if not head_only:
                self.wfile.write(body)

        def _to_hr(self) -> bool:
            path = urlsplit(self.path).path
            if hr_url and (path == "/hr" or path.startswith("/hr/")):
                forward(self, hr_url)
                return True
            return False

        def do_GET(self) -> None:
            if not self._to_hr():
                self._send(head_only=False)

        def do_HEAD(self) -> None:
            if not self._to_hr():
                self._send(head_only=True)

        def do_POST(self) -> None:
            if not self._to_hr():
                self.send_error(HTTPStatus.METHOD_NOT_ALLOWED, "Kun GET")

        def log_message(self, format: str, *args: object) -> None:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    return Handler


def serve(host: str, port: int, rasa_url: str, hr_url: str | None = None) -> int:
    try:
        check_built()
    except WidgetNotBuilt as error:
        print(f"FEJL: {error}", file=sys.stderr)
        return 1
    server = ThreadingHTTPServer((host, port), make_handler(rasa_url, hr_url=hr_url))
    server.daemon_threads = True
    shown = "localhost" if host in ("", "0.0.0.0") else host
    print(f"Web-chat demo: http://{shown}:{port} (Rasa: {rasa_url}); stop med Ctrl-C", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot widget", description="Web-chat på intranettet")
    sub = parser.add_subparsers(dest="action", required=True)
    serve_cmd = sub.add_parser("serve", help="server demo-intranetsiden med web-chatten")
    serve_cmd.add_argument("--port", type=int, default=8080)
    serve_cmd.add_argument("--host", default="0.0.0.0", help="adresse at lytte på (standard: alle)")
    serve_cmd.add_argument("--rasa-url", default="http://localhost:5005",
                           help="Rasa-serverens adresse, som browseren skal bruge (socket.io-kanalen)")
    serve_cmd.add_argument("--hr-url", help="HR-værktøjets adresse (python -m bot hr serve); /hr/ sendes dertil")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        rasa_url = check_rasa_url(args.rasa_url)
    except ValueError as error:
        print(f"FEJL: {error}", file=sys.stderr)
        return 2
    return serve(args.host, args.port, rasa_url, args.hr_url)
