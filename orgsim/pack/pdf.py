"""The pack's PDF: the same HTML printed by headless Chromium (print-to-PDF).

Chromium is a system program (Debian package ``chromium``); ``ORGSIM_CHROMIUM`` names
another binary. When it is missing, :func:`find_chromium` raises :class:`ChromiumMissing`
with one line saying what to do (``--format html`` needs no browser). The browser runs
with a throwaway profile and no sandbox (it runs as the user, on a local file).

Printing makes no network request at all, not even a DNS query: the flags that merely
*disable* Google's background services were not enough (Chromium still looked up its
update and safe-browsing hosts), so every name resolves to "not found" in-process
(``--host-resolver-rules``), every request that could still go out (an IP literal) is sent
to a proxy on a closed local port, and the page printed carries a Content-Security-Policy
that refuses anything not inside it. The pack is self-contained, so nothing is lost.

The PDF is reproducible: the same HTML gives the same bytes. Chromium lays text out with
sub-pixel positions that vary from run to run unless font hinting and sub-pixel
positioning are off (hence those switches), and it stamps the clock time as the PDF's
creation and modification dates; :func:`stamp` replaces both with a time taken from the
data (the pack passes the recorded time of the latest event it relies on).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
INSTALL_HINT = (
    "install Chromium ('apt-get install chromium' on Debian/Ubuntu) or set "
    "ORGSIM_CHROMIUM to a Chrome/Chromium binary; --format html needs no browser"
)
TIMEOUT = 240
#: No request leaves the machine (see the module's docstring).
NO_NETWORK = (
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--dns-prefetch-disable",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--no-pings",
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,"
    "MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,Translate,"
    "CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions",
    "--metrics-recording-only",
    "--safebrowsing-disable-auto-update",
)
#: Only what a self-contained page holds may load while printing.
CSP = (
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "img-src data: blob:; style-src 'unsafe-inline' data:; font-src data:; "
    "script-src 'unsafe-inline'\">"
)


def offline(html: str) -> str:
    """The page with the Content-Security-Policy first in its head."""
    lower = html[:2000].lower()
    at = lower.find("<head>")
    if at >= 0:
        return html[: at + 6] + CSP + html[at + 6 :]
    return CSP + html


class ChromiumMissing(RuntimeError):
    """No headless browser to print the PDF with: one line for a user."""


class PdfFailed(RuntimeError):
    """Chromium ran but wrote no PDF."""


def find_chromium() -> str:
    configured = os.environ.get("ORGSIM_CHROMIUM")
    if configured is not None:
        found = shutil.which(configured) if configured else None
        if found is None:
            raise ChromiumMissing(
                f"cannot print the PDF: ORGSIM_CHROMIUM={configured!r} is not "
                f"an executable; {INSTALL_HINT}"
            )
        return found
    for name in CANDIDATES:
        found = shutil.which(name)
        if found is not None:
            return found
    raise ChromiumMissing(f"cannot print the PDF: Chromium was not found on PATH; {INSTALL_HINT}")


def chromium_command(chromium: str, profile: Path, extra: list[str]) -> list[str]:
    """The headless command line shared by printing and the pack's browser tests."""
    return [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--no-first-run",
        "--disable-crash-reporter",
        "--disable-breakpad",
        "--hide-scrollbars",
        "--mute-audio",
        *NO_NETWORK,
        "--font-render-hinting=none",
        "--disable-font-subpixel-positioning",
        "--run-all-compositor-stages-before-draw",
        f"--user-data-dir={profile}",
        *extra,
    ]


_PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate) \(D:)\d{14}")


def stamp(data: bytes, when: dt.datetime) -> bytes:
    """The PDF with its creation and modification dates set to ``when`` (in UTC, as
    Chromium writes them with TZ=UTC). Only the 14 digits change, so no offset moves."""
    utc = when.astimezone(dt.UTC) if when.tzinfo else when
    digits = f"{utc:%Y%m%d%H%M%S}".encode("ascii")
    return _PDF_DATE.sub(lambda m: m.group(1) + digits, data)


def html_to_pdf(
    html: str,
    chromium: str | None = None,
    timeout: int = TIMEOUT,
    extra: tuple[str, ...] = (),
    created: dt.datetime | None = None,
) -> bytes:
    """Print ``html`` to PDF bytes (A4; landscape pages where the CSS asks for them),
    with no network request (``extra``: more Chromium flags, e.g. a net log for a test),
    its dates set to ``created`` when given."""
    program = chromium or find_chromium()
    with tempfile.TemporaryDirectory(prefix="orgsim-pack-") as tmp:
        folder = Path(tmp)
        page = folder / "pack.html"
        page.write_text(offline(html), encoding="utf-8")
        out = folder / "pack.pdf"
        command = chromium_command(
            program,
            folder / "profile",
            [*extra, f"--print-to-pdf={out}", "--no-pdf-header-footer", page.as_uri()],
        )
        env = {**os.environ, "HOME": str(folder), "TZ": "UTC"}
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                timeout=timeout,
                env=env,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise PdfFailed(
                f"Chromium did not finish printing the PDF within {timeout} s"
            ) from None
        except OSError as error:
            raise ChromiumMissing(
                f"cannot run {program} ({error.strerror}); {INSTALL_HINT}"
            ) from None
        data = out.read_bytes() if out.exists() else b""
        if not data.startswith(b"%PDF"):
            lines = [
                line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()
            ]
            last = lines[-1].strip() if lines else f"exit status {done.returncode}"
            raise PdfFailed(f"Chromium wrote no PDF: {last}")
        return stamp(data, created) if created is not None else data
