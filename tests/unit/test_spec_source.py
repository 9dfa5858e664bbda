"""tests.contract.spec_source: finding Clerk's spec on a fresh clone (fake downloads, no network)."""

import hashlib
from pathlib import Path

import httpx
import pytest

from tests.contract import spec_source
from tests.contract.spec_source import PinnedFile, SpecUnavailable, ensure_spec, spec_directory

CONTENT = b"openapi: 3.0.3\n"
FILES = (
    PinnedFile("bapi-2025-11-10.yml", "bapi/2025-11-10.yml", hashlib.sha256(CONTENT).hexdigest()),
    PinnedFile("webhooks-2025-04-15.yml", "webhooks/2025-04-15.yml", hashlib.sha256(CONTENT + b"#").hexdigest()),
)


class FakeDownloads:
    def __init__(self, contents: dict[str, bytes] | None = None, *, offline: bool = False) -> None:
        self.contents = contents if contents is not None else {"bapi": CONTENT, "webhooks": CONTENT + b"#"}
        self.offline = offline
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        if self.offline:
            raise httpx.ConnectError("Name or service not known")
        return next(content for prefix, content in self.contents.items() if f"/{prefix}/" in url)


@pytest.fixture
def fresh_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repo root with no ../shared/clerk-spec, no LOCUM_CLERK_SPEC_DIR and tiny pinned files."""
    monkeypatch.delenv("LOCUM_CLERK_SPEC_DIR", raising=False)
    monkeypatch.setattr(spec_source, "PINNED_FILES", FILES)
    repo = tmp_path / "clone" / "locum"
    repo.mkdir(parents=True)
    return repo


class TestSpecDirectory:
    def test_the_environment_variable_comes_first(
        self, fresh_clone: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (fresh_clone.parent / "shared" / "clerk-spec").mkdir(parents=True)
        monkeypatch.setenv("LOCUM_CLERK_SPEC_DIR", str(tmp_path / "mine"))
        assert spec_directory(fresh_clone, cache_root=tmp_path / "cache") == tmp_path / "mine"

    def test_then_the_shared_checkout_beside_the_repo(self, fresh_clone: Path, tmp_path: Path) -> None:
        shared = fresh_clone.parent / "shared" / "clerk-spec"
        shared.mkdir(parents=True)
        assert spec_directory(fresh_clone, cache_root=tmp_path / "cache") == shared

    def test_else_the_cache_of_the_pinned_commit(self, fresh_clone: Path, tmp_path: Path) -> None:
        directory = spec_directory(fresh_clone, cache_root=tmp_path / "cache")
        assert directory == tmp_path / "cache" / spec_source.PINNED_COMMIT


class TestEnsureSpec:
    def test_downloads_the_pinned_files_at_the_pinned_commit_once(self, fresh_clone: Path, tmp_path: Path) -> None:
        cache = tmp_path / "cache"
        directory = spec_directory(fresh_clone, cache_root=cache)
        downloads = FakeDownloads()
        assert ensure_spec(directory, cache_root=cache, download=downloads) == [f.name for f in FILES]
        assert downloads.urls == [
            f"https://raw.githubusercontent.com/clerk/openapi-specs/{spec_source.PINNED_COMMIT}/{f.path}" for f in FILES
        ]
        assert (directory / "bapi-2025-11-10.yml").read_bytes() == CONTENT
        assert ensure_spec(directory, cache_root=cache, download=downloads) == []
        assert len(downloads.urls) == len(FILES)

    def test_a_cache_hit_downloads_nothing(self, fresh_clone: Path, tmp_path: Path) -> None:
        cache = tmp_path / "cache"
        directory = spec_directory(fresh_clone, cache_root=cache)
        directory.mkdir(parents=True)
        (directory / "bapi-2025-11-10.yml").write_bytes(CONTENT)
        (directory / "webhooks-2025-04-15.yml").write_bytes(CONTENT + b"#")
        assert ensure_spec(directory, cache_root=cache, download=FakeDownloads(offline=True)) == []

    def test_offline_stops_with_one_line_naming_both_options(self, fresh_clone: Path, tmp_path: Path) -> None:
        cache = tmp_path / "cache"
        directory = spec_directory(fresh_clone, cache_root=cache)
        with pytest.raises(SpecUnavailable) as raised:
            ensure_spec(directory, cache_root=cache, download=FakeDownloads(offline=True))
        message = str(raised.value)
        assert "\n" not in message
        assert "LOCUM_CLERK_SPEC_DIR" in message and "../shared/clerk-spec" in message

    def test_a_corrupted_download_is_refused_and_not_cached(self, fresh_clone: Path, tmp_path: Path) -> None:
        cache = tmp_path / "cache"
        directory = spec_directory(fresh_clone, cache_root=cache)
        corrupted = FakeDownloads({"bapi": CONTENT + b"tampered", "webhooks": CONTENT + b"#"})
        with pytest.raises(SpecUnavailable, match="SHA-256"):
            ensure_spec(directory, cache_root=cache, download=corrupted)
        assert not (directory / "bapi-2025-11-10.yml").exists()

    def test_a_corrupted_cached_file_is_fetched_again(self, fresh_clone: Path, tmp_path: Path) -> None:
        cache = tmp_path / "cache"
        directory = spec_directory(fresh_clone, cache_root=cache)
        directory.mkdir(parents=True)
        (directory / "bapi-2025-11-10.yml").write_bytes(b"truncated")
        (directory / "webhooks-2025-04-15.yml").write_bytes(CONTENT + b"#")
        assert ensure_spec(directory, cache_root=cache, download=FakeDownloads()) == ["bapi-2025-11-10.yml"]
        assert (directory / "bapi-2025-11-10.yml").read_bytes() == CONTENT

    def test_a_directory_given_or_beside_the_repo_is_never_downloaded_into(self, tmp_path: Path) -> None:
        downloads = FakeDownloads(offline=True)
        assert ensure_spec(tmp_path / "shared" / "clerk-spec", cache_root=tmp_path / "cache", download=downloads) == []
        assert downloads.urls == []


def test_the_pinned_digests_are_those_of_the_files_the_tests_read() -> None:
    # Run where the spec is on disk (the shared checkout or the cache): the pins match what is read.
    from tests.contract.spec import SPEC_DIR

    for pinned in spec_source.PINNED_FILES:
        path = SPEC_DIR / pinned.name
        if path.is_file():
            assert hashlib.sha256(path.read_bytes()).hexdigest() == pinned.sha256, pinned.name
