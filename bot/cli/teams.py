"""``python -m bot teams …``: the Teams app package and a check of the Azure Bot settings (docs/teams.md).

- ``package``: manifest.json (from teams/manifest.template.json) + color.png + outline.png in one zip to
  upload in Teams admin center or sideload. Settings come from flags, the environment or .env.
- ``check``: gets a connector token with TEAMS_APP_ID/TEAMS_APP_PASSWORD/TEAMS_TENANT_ID and fetches the
  Bot Framework signing keys, so wrong credentials show up before Teams users notice.
- ``icons``: redraws teams/color.png and teams/outline.png.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.settings import Settings

if TYPE_CHECKING:  # imported when needed: packaging the app needs neither aiohttp nor jwt
    from bot.rasa.channels.teams.auth import HttpClient

ROOT = Path(__file__).resolve().parents[2]
APP_DIR = ROOT / "teams"
TEMPLATE = APP_DIR / "manifest.template.json"
COLOR_SIZE, OUTLINE_SIZE = 192, 32

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
VERSION = re.compile(r"^\d+\.\d+\.\d+$")
DOMAIN = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(:\d+)?$", re.IGNORECASE)

DEFAULT_SHORT_DESCRIPTION = "Svar fra ledelsesgrundlagene – med kilde."
DEFAULT_FULL_DESCRIPTION = (
    "Lederassistenten svarer på spørgsmål om ledelse med de præcise formuleringer fra ledelsesgrundlagene "
    "og siger, hvor de står: KL's ledelsesgrundlag, Kalundborg Kommunes ledelses- og styringsgrundlag, "
    "Glostrup Kommunes ledelsesgrundlag og KL's guide om ledernetværk. Spørg fx »Hvad forventes af en "
    "niveau 2 leder om økonomistyring?« eller »Hvor længe bør et ledernetværk køre?«. I kanaler og "
    "gruppechats skal assistenten nævnes med @."
)

# (placeholder in the template, flag, environment variable, default, limit on its length)
FIELDS: list[tuple[str, str, str, str | None, int | None]] = [
    ("app_id", "--app-id", "TEAMS_APP_ID", None, None),
    ("version", "--version", "TEAMS_APP_VERSION", "1.0.0", None),
    ("host", "--host", "TEAMS_BOT_HOST", "", None),
    ("name", "--name", "TEAMS_APP_NAME", "Lederassistent", 30),
    ("full_name", "--full-name", "TEAMS_APP_FULL_NAME", "Lederassistenten – ledelsesgrundlagene", 100),
    ("short_description", "--short-description", "TEAMS_APP_SHORT_DESCRIPTION", DEFAULT_SHORT_DESCRIPTION, 80),
    ("full_description", "--full-description", "TEAMS_APP_FULL_DESCRIPTION", DEFAULT_FULL_DESCRIPTION, 4000),
    ("developer_name", "--developer-name", "TEAMS_DEVELOPER_NAME", "Lederassistenten", 32),
    ("website_url", "--website-url", "TEAMS_WEBSITE_URL", "", 2048),
    ("privacy_url", "--privacy-url", "TEAMS_PRIVACY_URL", "", 2048),
    ("terms_url", "--terms-url", "TEAMS_TERMS_URL", "", 2048),
    ("accent_color", "--accent-color", "TEAMS_ACCENT_COLOR", "#1F4E79", None),
]


class PackageError(Exception):
    """A setting or file that would give a package Teams refuses; the Danish message says what to change.

    ``package`` prints it after "Fejl:" and exits with status 2, writing no package.
    """


# --- settings ---------------------------------------------------------------------------------------

def settings_from(args: argparse.Namespace, env: Mapping[str, str]) -> dict[str, str]:
    """Flag, else environment, else default; checked against what Teams accepts.

    A PackageError says which setting is wrong and how to set it, so the package is never built with
    a value Teams admin center would refuse on upload.
    """
    values = _field_values(args, env)
    _check_formats(values)
    values["host"] = _host(values["host"])
    _fill_developer_urls(values)
    return values


def _field_values(args: argparse.Namespace, env: Mapping[str, str]) -> dict[str, str]:
    """Every FIELDS value (flag, environment, default), trimmed and within Teams' length limits."""
    values: dict[str, str] = {}
    for key, _flag, variable, default, limit in FIELDS:
        value = getattr(args, key) or env.get(variable, "") or default
        if value is None or not value.strip():
            if default is None:
                raise PackageError(f"{variable} mangler: sæt den i .env eller miljøet, eller brug {_flag} "
                                   "(Microsoft App ID fra Azure Bot-ressourcen, se docs/teams.md).")
            value = ""
        value = value.strip()
        if limit is not None and len(value) > limit:
            raise PackageError(f"{variable} ({_flag}) er {len(value)} tegn; Teams tillader højst {limit}.")
        values[key] = value
    return values


def _check_formats(values: Mapping[str, str]) -> None:
    if not GUID.match(values["app_id"]):
        raise PackageError(f"TEAMS_APP_ID skal være et GUID (fx 6f1c2d3e-…), ikke {values['app_id']!r}.")
    if not VERSION.match(values["version"]):
        raise PackageError(f"Versionen skal have formen 1.0.0, ikke {values['version']!r}.")
    if not re.match(r"^#[0-9a-fA-F]{6}$", values["accent_color"]):
        raise PackageError(f"Accentfarven skal have formen #1F4E79, ikke {values['accent_color']!r}.")


def _host(value: str) -> str:
    """The bot's domain from TEAMS_BOT_HOST, which may be given as a URL ("" stays "")."""
    if not value:
        return value
    host = urlsplit(value).netloc if "://" in value else value.split("/")[0]
    if not DOMAIN.match(host):
        raise PackageError(f"TEAMS_BOT_HOST skal være et domæne som bot.kommune.dk, ikke {value!r}.")
    return host


def _fill_developer_urls(values: dict[str, str]) -> None:
    """The developer's website, privacy and terms pages: as given, else on the bot's domain; https only."""
    host = values["host"]
    for key, variable, fallback in (("website_url", "TEAMS_WEBSITE_URL", "/"),
                                    ("privacy_url", "TEAMS_PRIVACY_URL", "/privatliv"),
                                    ("terms_url", "TEAMS_TERMS_URL", "/vilkaar")):
        if not values[key] and host:
            values[key] = f"https://{host}{fallback}"
        if not values[key]:
            raise PackageError(f"{variable} mangler: sæt den, eller TEAMS_BOT_HOST (bottens domæne), så bruges "
                               f"https://<domæne>{fallback}.")
        if not values[key].startswith("https://"):
            raise PackageError(f"{values[key]!r}: Teams kræver https-adresser for udviklerens sider.")


def render_manifest(template: Any, values: Mapping[str, Any]) -> Any:
    """Replaces every string "${name}" in the template by values[name] (which may be a list)."""
    if isinstance(template, dict):
        return {key: render_manifest(item, values) for key, item in template.items()}
    if isinstance(template, list):
        return [render_manifest(item, values) for item in template]
    if isinstance(template, str):
        whole = re.fullmatch(r"\$\{(\w+)\}", template)
        if whole:
            return values[whole.group(1)]
        return re.sub(r"\$\{(\w+)\}", lambda m: str(values[m.group(1)]), template)
    return template


def build_manifest(values: Mapping[str, str], template_path: Path = TEMPLATE) -> dict[str, Any]:
    """The manifest: the template filled with ``values`` (as :func:`settings_from` returns them).

    ``validDomains`` lists the bot's host, or nothing when TEAMS_BOT_HOST is unset. A template that is
    not a JSON object raises PackageError.
    """
    template = json.loads(template_path.read_text(encoding="utf-8"))
    domains = [values["host"]] if values.get("host") else []
    manifest = render_manifest(template, {**values, "valid_domains": domains})
    if not isinstance(manifest, dict):
        raise PackageError(f"{template_path} er ikke et JSON-objekt")
    return manifest


# --- icons -----------------------------------------------------------------------------------------

def png_bytes(width: int, height: int, pixels: list[tuple[int, int, int, int]]) -> bytes:
    """An RGBA PNG (8 bits per channel, no filtering)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel) for pixel in pixels[y * width:(y + 1) * width]) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


@dataclass(frozen=True)
class PngInfo:
    """What Teams checks of an icon, from the PNG header: its size and whether it has an alpha channel."""

    width: int
    height: int
    color_type: int  # 6 = RGBA, 4 = grey + alpha, 2 = RGB, 3 = palette

    @property
    def has_alpha(self) -> bool:
        """True for RGBA and grey + alpha; a palette image with a transparency chunk counts as opaque."""
        return self.color_type in (4, 6)


def png_info(data: bytes) -> PngInfo:
    """The size and colour type from the IHDR header; PackageError if ``data`` does not start as a PNG.

    The rest of the file is not read, so a truncated or corrupt image body passes.
    """
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise PackageError("ikke en PNG-fil")
    width, height, _depth, color_type = struct.unpack(">IIBB", data[16:26])
    return PngInfo(width, height, color_type)


def _coverage(inside: Callable[[float, float], bool], x: int, y: int, samples: int = 4) -> float:
    step = 1 / samples
    hits = sum(inside(x + (i + 0.5) * step, y + (j + 0.5) * step) for i in range(samples) for j in range(samples))
    return hits / (samples * samples)


def _bubble(size: float) -> tuple[Callable[[float, float], bool], Callable[[float, float], bool]]:
    """A speech bubble (rounded rectangle with a tail) and its three dots, in a square of `size`."""
    s = size / 32
    x0, y0, x1, y1, r = 3 * s, 5 * s, 29 * s, 22 * s, 5 * s

    def in_rect(x: float, y: float) -> bool:
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return False
        cx = min(max(x, x0 + r), x1 - r)
        cy = min(max(y, y0 + r), y1 - r)
        return (x - cx) ** 2 + (y - cy) ** 2 <= r * r

    def in_tail(x: float, y: float) -> bool:  # triangle (8,21) (15,21) (7,28)
        ax, ay, bx, by, qx, qy = 8 * s, 21 * s, 15 * s, 21 * s, 7 * s, 28 * s
        d1 = (x - bx) * (ay - by) - (ax - bx) * (y - by)
        d2 = (x - qx) * (by - qy) - (bx - qx) * (y - qy)
        d3 = (x - ax) * (qy - ay) - (qx - ax) * (y - ay)
        return not ((d1 < 0 or d2 < 0 or d3 < 0) and (d1 > 0 or d2 > 0 or d3 > 0))

    def in_dots(x: float, y: float) -> bool:
        return any((x - cx * s) ** 2 + (y - 13.5 * s) ** 2 <= (2.2 * s) ** 2 for cx in (10, 16, 22))

    return (lambda x, y: in_rect(x, y) or in_tail(x, y)), in_dots


def draw_icons(accent: tuple[int, int, int] = (0x1F, 0x4E, 0x79)) -> tuple[bytes, bytes]:
    """Color icon (192×192: white bubble on the accent colour) and outline icon (32×32: white on transparent)."""
    pixels: list[tuple[int, int, int, int]] = []
    inner = 120  # the bubble sits in the middle, with room around it as Teams' guidelines ask
    offset = (COLOR_SIZE - inner) / 2
    bubble, dots = _bubble(inner)
    for y in range(COLOR_SIZE):
        for x in range(COLOR_SIZE):
            def white(px: float, py: float) -> bool:
                return bubble(px - offset, py - offset) and not dots(px - offset, py - offset)
            c = _coverage(white, x, y)
            red, green, blue = (round(a * (1 - c) + 255 * c) for a in accent)
            pixels.append((red, green, blue, 255))
    color = png_bytes(COLOR_SIZE, COLOR_SIZE, pixels)

    bubble, dots = _bubble(OUTLINE_SIZE)
    outline_pixels = [
        (255, 255, 255, round(255 * _coverage(lambda px, py: bubble(px, py) and not dots(px, py), x, y)))
        for y in range(OUTLINE_SIZE) for x in range(OUTLINE_SIZE)
    ]
    return color, png_bytes(OUTLINE_SIZE, OUTLINE_SIZE, outline_pixels)


def read_icons(directory: Path) -> dict[str, bytes]:
    """The two icons from ``directory`` by file name, checked against what Teams requires of them.

    color.png must be 192×192 and outline.png 32×32 with an alpha channel; otherwise, or if one is
    missing, a PackageError names the file and how to fix it.
    """
    icons = {}
    for name, size in (("color.png", COLOR_SIZE), ("outline.png", OUTLINE_SIZE)):
        path = directory / name
        if not path.is_file():
            raise PackageError(f"{path} mangler (kør `python -m bot teams icons`)")
        data = path.read_bytes()
        info = png_info(data)
        if (info.width, info.height) != (size, size):
            raise PackageError(f"{path} er {info.width}×{info.height}; Teams kræver {size}×{size} pixel.")
        if name == "outline.png" and not info.has_alpha:
            raise PackageError(f"{path} skal være hvid på gennemsigtig baggrund (PNG med alfakanal).")
        icons[name] = data
    return icons


# --- commands --------------------------------------------------------------------------------------

def build_package(values: Mapping[str, str], out: Path, app_dir: Path = APP_DIR) -> dict[str, Any]:
    """Write the app package zip to ``out`` (replacing it) and return the manifest in it.

    The template and icons come from ``app_dir``; they are checked before ``out`` is opened, so a
    PackageError leaves an earlier package in place.
    """
    manifest = build_manifest(values, app_dir / "manifest.template.json")
    icons = read_icons(app_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        for name, data in icons.items():
            archive.writestr(name, data)
    return manifest


def cmd_package(args: argparse.Namespace) -> int:
    """``package``: build the zip and print what to upload where; exit 2 for a wrong setting or icon."""
    env = Settings.from_env(env_file=Path(args.env_file)).env
    try:
        values = settings_from(args, env)
        manifest = build_package(values, Path(args.out), Path(args.app_dir))
    except PackageError as error:
        print(f"Fejl: {error}", file=sys.stderr)
        return 2
    print(f"Teams-app-pakke skrevet: {args.out}")
    print(f"  {manifest['name']['short']} {manifest['version']}, bot {manifest['bots'][0]['botId']}, "
          f"domæner: {', '.join(manifest['validDomains']) or '(ingen)'}")
    print("  Upload den i Teams admin center (Teams apps > Manage apps > Upload new app) "
          "eller i Teams (Apps > Manage your apps > Upload an app). Se docs/teams.md.")
    return 0


def cmd_icons(args: argparse.Namespace) -> int:
    """``icons``: overwrite color.png and outline.png in ``--app-dir`` with the drawn speech bubble."""
    directory = Path(args.app_dir)
    color, outline = draw_icons()
    (directory / "color.png").write_bytes(color)
    (directory / "outline.png").write_bytes(outline)
    print(f"Ikoner skrevet: {directory / 'color.png'} ({COLOR_SIZE}×{COLOR_SIZE}), "
          f"{directory / 'outline.png'} ({OUTLINE_SIZE}×{OUTLINE_SIZE})")
    return 0


async def _check(env: Mapping[str, str]) -> int:
    """Exit status of ``check``: 0 if the connector token and the signing keys could both be fetched."""
    from bot.rasa.channels.teams.auth import HttpClient

    missing = [name for name in ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID") if not env.get(name)]
    if missing:
        print(f"Fejl: {', '.join(missing)} mangler (i .env eller miljøet).", file=sys.stderr)
        return 2
    http = HttpClient()
    try:
        token_ok = await _check_token(env, http)
        keys_ok = await _check_keys(env, http)
    finally:
        await http.close()
    return 0 if token_ok and keys_ok else 1


async def _check_token(env: Mapping[str, str], http: HttpClient) -> bool:
    """Get a connector token with the app's id, secret and tenant; print what happened."""
    from bot.rasa.channels.teams.auth import ConnectorAuthError, ConnectorTokenClient, default_token_url

    token_url = env.get("TEAMS_TOKEN_URL") or default_token_url(env["TEAMS_TENANT_ID"])
    tokens = ConnectorTokenClient(env["TEAMS_APP_ID"], env["TEAMS_APP_PASSWORD"], token_url, http)
    try:
        await tokens.token()
    except ConnectorAuthError as error:
        print(f"Fejl: intet token: {error}\n  Tjek app-id, klienthemmelighed (udløbet?) og tenant-id.",
              file=sys.stderr)
        return False
    print(f"OK: token til Bot Connector hentet fra {token_url}")
    return True


async def _check_keys(env: Mapping[str, str], http: HttpClient) -> bool:
    """Fetch the Bot Framework's signing keys (the ones incoming requests are checked with); print the result."""
    from bot.rasa.channels.teams.auth import DEFAULT_OPENID_METADATA_URL, KeysUnavailable, OpenIdKeys

    metadata_url = env.get("TEAMS_OPENID_METADATA_URL") or DEFAULT_OPENID_METADATA_URL
    keys = OpenIdKeys(metadata_url, http)
    try:
        count = await keys.load()
    except KeysUnavailable as error:
        print(f"Fejl: {error}", file=sys.stderr)
        return False
    print(f"OK: {count} signeringsnøgler hentet fra {metadata_url} (udsteder {keys.issuer})")
    return True


def cmd_check(args: argparse.Namespace) -> int:
    """``check``: the Azure Bot settings work before Teams users notice that they do not."""
    return asyncio.run(_check(Settings.from_env(env_file=Path(args.env_file)).env))


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m bot teams`` parser; each sub-command sets ``func``, which returns the exit status.

    Every manifest field gets a flag; an unset flag falls back to its environment variable, then to its default.
    """
    parser = argparse.ArgumentParser(prog="python -m bot teams", description="Microsoft Teams-kanalen")
    sub = parser.add_subparsers(dest="command", required=True)

    package = sub.add_parser("package", help="byg Teams-app-pakken (manifest.json + ikoner i en zip)")
    package.add_argument("--out", default="dist/lederassistent-teams.zip")
    package.add_argument("--app-dir", default=str(APP_DIR), help="mappe med manifest.template.json og ikonerne")
    package.add_argument("--env-file", default=".env", help="læses for indstillinger, der ikke er i miljøet")
    for key, flag, variable, default, _limit in FIELDS:
        shown = f" (standard: {default})" if default and len(default) < 50 else ""
        package.add_argument(flag, dest=key, help=f"ellers {variable}{shown}")
    package.set_defaults(func=cmd_package)

    icons = sub.add_parser("icons", help="tegn teams/color.png og teams/outline.png igen")
    icons.add_argument("--app-dir", default=str(APP_DIR))
    icons.set_defaults(func=cmd_icons)

    check = sub.add_parser("check", help="hent et connector-token og Bot Frameworks nøgler med indstillingerne")
    check.add_argument("--env-file", default=".env")
    check.set_defaults(func=cmd_check)
    return parser


def main(argv: list[str]) -> int:
    """Run the sub-command in ``argv`` (the arguments after ``teams``) and return its exit status."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))
