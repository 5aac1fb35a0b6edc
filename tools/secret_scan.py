"""Find files that look like they hold a real secret (tokens, keys, passwords).

`scan_repo(root)` scans the files git tracks under `root` (or, without git, the files under it, skipping
virtual environments, build output and runtime data); `scan_text(text, path)` scans one text. A finding
names the file, the line and the rule, with the secret itself redacted. Placeholders (empty values,
`${VAR}`, `CHANGE_ME`, `<...>`, values with "test"/"fake"/"example" ...) and values computed in code are
not findings. A line that holds a documented test fixture can carry the marker `secret-scan: allow`;
such lines are reported separately (`include_allowed=True`), never silently dropped.

    python -m tools.secret_scan [ROOT]     # exit status 1 when something looks like a secret
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_FILE_BYTES = 2 * 1024 * 1024
ALLOW_MARKER = "secret-scan: allow"
SKIP_DIRS = frozenset(
    {".git", ".venv", "node_modules", "var", "models", "results", "dist",
     "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
)
# Files where `NAME=value` / `NAME: value` assignments of secret-named settings are checked.
ASSIGNMENT_SUFFIXES = frozenset(
    {".env", ".yml", ".yaml", ".toml", ".ini", ".cfg", ".conf", ".sh", ".py", ".md", ".service"}
)
# Files where an unquoted value may be code (a variable, a call, an attribute) rather than a literal.
CODE_SUFFIXES = frozenset({".py", ".md"})
EXCERPT_CHARS = 160


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str
    excerpt: str  # the line with every secret on it redacted
    allowed: bool = False  # the line carries the `secret-scan: allow` marker

    def __str__(self) -> str:
        suffix = " (allowed by marker)" if self.allowed else ""
        return f"{self.path}:{self.line}: {self.rule}{suffix}: {self.excerpt}"


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    # Whether the secret (group "secret", else the whole match) is a placeholder or an obvious fake.
    harmless: Callable[[str, re.Match[str], str], bool]
    applies_to: Callable[[str], bool] = lambda path: True


# --- placeholders -------------------------------------------------------------------------------------

FAKE_WORDS = re.compile(
    r"change[-_ ]?me|example|dummy|test|fake|sample|placeholder|redacted|bogus|mock|wrong|invalid",
    re.IGNORECASE,
)
LITERAL_PLACEHOLDERS = frozenset({"secret", "password", "passwd", "token"})
TRUNCATED = re.compile(r"(?:…|\.\.\.)$")
TEMPLATE = re.compile(r"^(?:\$|\{|%\(|<|\*\*\*)")  # ${VAR}, $VAR, $(cmd), {name}, {{ jinja }}, %(name)s, <...>, ***
XS = re.compile(r"^x{3,}", re.IGNORECASE)
# Code: a call, an attribute or subscript of a name, or a variable/constant name (few digits).
CALL = re.compile(r"\(")
ATTRIBUTE = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]|\[)")
NAME = re.compile(r"^(?:[a-z_]+|[A-Z_]+)\d{0,2}$")
TRAILING_PUNCTUATION = ",;)]}"


def repetitive(value: str) -> bool:
    """At most three distinct letters/digits, or one of them makes up more than half: "A" * 35, "0000"."""
    core = re.sub(r"[^A-Za-z0-9]", "", value)
    return bool(core) and (len(set(core)) <= 3 or max(core.count(c) for c in set(core)) * 2 > len(core))


def looks_fake(value: str) -> bool:
    """Repeated characters or a word that marks a value as a test fixture or an example."""
    return repetitive(value) or bool(FAKE_WORDS.search(value))


def is_placeholder(value: str, *, code: bool = False) -> bool:
    """True for values that are clearly not a real secret. `code`: the value is an unquoted expression in
    a source file, so a variable name, call or attribute access is computed, not a literal."""
    value = value.strip()
    if code:
        value = value.rstrip(TRAILING_PUNCTUATION)
        if CALL.search(value) or ATTRIBUTE.match(value) or NAME.match(value):
            return True
    return (
        len(value) < 8
        or value.lower() in LITERAL_PLACEHOLDERS
        or bool(TEMPLATE.match(value) or XS.match(value) or TRUNCATED.search(value))
        or looks_fake(value)
    )


def _secret(match: re.Match[str]) -> str:
    return match.group("secret") if "secret" in match.re.groupindex else match.group(0)


def _suffix(path: str) -> str:
    name = PurePosixPath(path).name
    if name == ".env" or name.startswith(".env."):
        return ".env"
    return PurePosixPath(path).suffix.lower()


def _token_harmless(line: str, match: re.Match[str], path: str) -> bool:
    return looks_fake(_secret(match))


def _base64_harmless(line: str, match: re.Match[str], path: str) -> bool:
    # Base64 text spells words by chance, so only repetition marks a JWT as fake.
    return repetitive(_secret(match))


def _never_harmless(line: str, match: re.Match[str], path: str) -> bool:
    return False


def _value_harmless(line: str, match: re.Match[str], path: str) -> bool:
    quoted = bool(match.groupdict().get("quote"))
    return is_placeholder(_secret(match), code=not quoted and _suffix(path) in CODE_SUFFIXES)


RULES: tuple[Rule, ...] = (
    Rule("private-key", re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----"),
         _never_harmless),
    Rule("telegram-bot-token", re.compile(r"\b\d{8,10}:[A-Za-z0-9_-]{35}\b"), _token_harmless),
    Rule("jwt", re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"), _base64_harmless),
    Rule("aws-access-key-id", re.compile(r"\bAKIA[0-9A-Z]{16}\b"), _token_harmless),
    Rule("github-token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"), _token_harmless),
    Rule("slack-token", re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}"), _token_harmless),
    Rule("azure-client-secret", re.compile(r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}8Q~[A-Za-z0-9_~.-]{31,34}"),
         _token_harmless),
    # Any URL scheme (also postgresql+psycopg2), user:password@host.
    Rule("url-password", re.compile(r"\b[a-z][a-z0-9+.-]*://[^:/\s@]+:(?P<secret>[^@/\s]+)@", re.IGNORECASE),
         _value_harmless),
    # NAME=value, NAME: value, "NAME": "value" for names ending in PASSWORD, SECRET, TOKEN, API_KEY.
    Rule("secret-assignment",
         re.compile(r"(?:PASSWORD|SECRET|TOKEN|API_KEY)['\"]?\s*[=:]\s*(?P<quote>['\"]?)(?P<secret>[^\s'\"#]+)"),
         _value_harmless, lambda path: _suffix(path) in ASSIGNMENT_SUFFIXES),
)


# --- scanning -----------------------------------------------------------------------------------------

def redact(secret: str) -> str:
    """The first few characters (a quarter at most) and the length; never the secret."""
    shown = secret[: min(4, len(secret) // 4)]
    return f"{shown}…[{len(secret)} chars redacted]"


def _excerpt(line: str, spans: Sequence[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:  # overlapping spans: extend the redaction
            continue
        out += [line[last:start], redact(line[start:end])]
        last = end
    out.append(line[last:])
    text = "".join(out).strip()
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _line_hits(line: str, path: str) -> Iterator[tuple[str, tuple[int, int]]]:
    taken: list[tuple[int, int]] = []
    for rule in RULES:
        if not rule.applies_to(path):
            continue
        for match in rule.pattern.finditer(line):
            group = "secret" if "secret" in rule.pattern.groupindex else 0
            span = match.span(group)
            if any(start < span[1] and span[0] < end for start, end in taken):
                continue  # the same secret already matched a more specific rule
            if rule.harmless(line, match, path):
                continue
            taken.append(span)
            yield rule.name, span


def scan_text(text: str, path: str, *, include_allowed: bool = False) -> list[Finding]:
    """Findings in `text`, the content of the file at `path` (relative, used for the file type and the
    report). Lines with the allow marker are left out unless `include_allowed`."""
    findings: list[Finding] = []
    for number, line in enumerate(text.splitlines(), start=1):
        hits = list(_line_hits(line, path))
        if not hits:
            continue
        allowed = ALLOW_MARKER in line
        if allowed and not include_allowed:
            continue
        excerpt = _excerpt(line, [span for _, span in hits])
        findings += [Finding(path, number, rule, excerpt, allowed) for rule, _ in hits]
    return findings


def _git_files(root: Path) -> list[str] | None:
    try:
        result = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    return [name for name in result.stdout.decode("utf-8", "surrogateescape").split("\0") if name]


def _walk_files(root: Path) -> list[str]:
    files: list[str] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            files.append(Path(directory, name).relative_to(root).as_posix())
    return files


def candidate_files(root: Path) -> list[str]:
    """Relative paths of the files to scan: tracked by git, or every file outside the skipped folders."""
    files = _git_files(root)
    return files if files is not None else _walk_files(root)


def _read_text(path: Path) -> str | None:
    """The file's text, or None for symbolic links, missing, large and binary files."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def scan_repo(root: Path | str, *, include_allowed: bool = False) -> list[Finding]:
    """Findings in the files git tracks under `root` (every file outside SKIP_DIRS without git)."""
    root = Path(root)
    findings: list[Finding] = []
    for name in candidate_files(root):
        text = _read_text(root / name)
        if text is not None:
            findings += scan_text(text, name, include_allowed=include_allowed)
    return findings


def report(findings: Iterable[Finding]) -> str:
    return "\n".join(str(finding) for finding in findings)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    root = Path(args[0]) if args else Path.cwd()
    findings = scan_repo(root, include_allowed=True)
    allowed = [f for f in findings if f.allowed]
    real = [f for f in findings if not f.allowed]
    if allowed:
        print(f"{len(allowed)} line(s) allowed by '{ALLOW_MARKER}':\n{report(allowed)}")
    if real:
        print(f"{len(real)} possible secret(s):\n{report(real)}")
        return 1
    print("No secrets found.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
