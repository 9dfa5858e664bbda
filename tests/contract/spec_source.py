"""Where Clerk's OpenAPI documents come from, on any machine that runs the tests.

In order: `$LOCUM_CLERK_SPEC_DIR`; else `<repo root>/../shared/clerk-spec`; else a cache outside the
repo (`$LOCUM_SPEC_CACHE`, else ~/.cache/locum/clerk-spec/<commit>/), filled on first use from
Clerk's public clerk/openapi-specs repository at a pinned commit, each file checked against its
pinned SHA-256 (a file that differs is refused, never cached). Offline with neither directory, the
run stops with one line naming both options.
"""

import hashlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

# clerk/openapi-specs "chore: Update OpenAPI Specs" of 2026-08-14: the first commit with these
# bapi/2025-11-10.yml and webhooks/2025-04-15.yml (the files ../shared/clerk-spec holds).
PINNED_COMMIT = "81dd1c54dc093b3ab0e10d279f8bf585dbc673d9"
RAW_URL = "https://raw.githubusercontent.com/clerk/openapi-specs/{commit}/{path}"
DOWNLOAD_TIMEOUT_S = 60


@dataclass(frozen=True)
class PinnedFile:
    name: str  # as the tests read it, in the spec directory
    path: str  # in clerk/openapi-specs
    sha256: str


PINNED_FILES = (
    PinnedFile(
        "bapi-2025-11-10.yml", "bapi/2025-11-10.yml", "9c094882e00b013ca7150434434255d4af04bfe8918e0f0bbd49e7f243ab0359"
    ),
    PinnedFile(
        "webhooks-2025-04-15.yml",
        "webhooks/2025-04-15.yml",
        "92f60e4e81612b088aba4e71cbb4dbc8372f3a5d9bf70c3daba17145aa42f93f",
    ),
)

Downloader = Callable[[str], bytes]


class SpecUnavailable(Exception):
    """The spec is neither beside the repo nor downloadable: the message is the one line to show."""


def _download(url: str) -> bytes:
    response = httpx.get(url, timeout=DOWNLOAD_TIMEOUT_S, follow_redirects=True)
    response.raise_for_status()
    return response.content


def default_cache_root() -> Path:
    return Path(os.environ.get("LOCUM_SPEC_CACHE") or Path.home() / ".cache" / "locum" / "clerk-spec")


def spec_directory(repo_root: Path, *, cache_root: Path | None = None) -> Path:
    """The directory the tests read the spec from (it may still have to be filled: ensure_spec)."""
    configured = os.environ.get("LOCUM_CLERK_SPEC_DIR")
    if configured:
        return Path(configured)
    shared = repo_root.parent / "shared" / "clerk-spec"
    if shared.is_dir():
        return shared
    return (cache_root or default_cache_root()) / PINNED_COMMIT


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def ensure_spec(directory: Path, *, cache_root: Path | None = None, download: Downloader = _download) -> list[str]:
    """Fill `directory` if it is the download cache and lacks a pinned file; returns the names
    downloaded. A directory given by the environment or beside the repo is used as it is."""
    if directory.parent != (cache_root or default_cache_root()):
        return []
    fetched = []
    for pinned in PINNED_FILES:
        target = directory / pinned.name
        if target.is_file() and _digest(target.read_bytes()) == pinned.sha256:
            continue
        url = RAW_URL.format(commit=PINNED_COMMIT, path=pinned.path)
        print(f"locum tests: downloading Clerk's {pinned.path} from {url} into {directory}", file=sys.stderr)
        try:
            content = download(url)
        except (httpx.HTTPError, OSError) as failure:
            raise SpecUnavailable(
                f"Clerk's OpenAPI spec is not available ({type(failure).__name__} downloading {url}): "
                "set LOCUM_CLERK_SPEC_DIR to a directory holding it, or place it in ../shared/clerk-spec"
            ) from failure
        if _digest(content) != pinned.sha256:
            raise SpecUnavailable(
                f"refused {url}: its SHA-256 is {_digest(content)}, not the pinned {pinned.sha256}; "
                "set LOCUM_CLERK_SPEC_DIR or place the spec in ../shared/clerk-spec"
            )
        directory.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(content)
        partial.replace(target)
        fetched.append(pinned.name)
    return fetched
