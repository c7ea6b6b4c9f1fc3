"""Where landing files are: a local folder or `gs://bucket/prefix`. A source lists what is under
it as paths relative to the landing folder (POSIX style: what rows record as source_file) and
hands the engine a local copy of a file; discovery and the engine's readers see nothing else, so
both kinds follow the same rules and give the same rows."""

from __future__ import annotations

import abc
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from growth_analytics.settings import resolve_path

GCS_SCHEME = "gs://"
# Set (to http://host:port) by the tests: the GCS client then talks to a local emulator.
STORAGE_EMULATOR_HOST = "STORAGE_EMULATOR_HOST"

FILE = "file"
BROKEN_LINK = "broken_link"  # a symbolic link whose target does not exist
FOLDER = "folder"


class LandingError(RuntimeError):
    """A landing folder or file that cannot be read at all: the run stops and names it."""


@dataclass(frozen=True)
class Entry:
    relative: str  # POSIX path under the landing folder
    kind: str  # FILE, BROKEN_LINK or FOLDER
    size: int = 0  # bytes, for files


class LandingSource(abc.ABC):
    """A landing folder. Everything else sees only relative paths and local file copies."""

    @abc.abstractmethod
    def list(self) -> Iterator[Entry]:
        """Every file, broken link and folder under the landing folder, in any order;
        LandingError when the landing folder itself does not exist."""

    @abc.abstractmethod
    def local_path(self, relative: str) -> Path:
        """A local file with the file's bytes, for the engine's readers."""

    @abc.abstractmethod
    def location(self, relative: str) -> str:
        """The file's full name, for messages: a local path or a gs:// URL."""

    def close(self) -> None:  # noqa: B027 (optional: most sources hold nothing)
        """Releases what the source holds (connections, downloaded copies)."""


class LocalSource(LandingSource):
    """A folder of the local filesystem; the engine reads the files where they are."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __str__(self) -> str:
        return str(self.root)

    def list(self) -> Iterator[Entry]:
        if self.root.exists() and not self.root.is_dir():
            raise LandingError(
                f"landing folder {self.root} is a file, not a folder (ANALYTICS_LANDING_DIR)"
            )
        if not self.root.is_dir():
            raise LandingError(f"landing folder {self.root} does not exist (ANALYTICS_LANDING_DIR)")
        for folder, folders, files in os.walk(self.root, followlinks=False):
            base = Path(folder)
            for name in folders:
                yield Entry((base / name).relative_to(self.root).as_posix(), FOLDER)
            for name in files:
                path = base / name
                relative = path.relative_to(self.root).as_posix()
                try:
                    stat = path.stat()  # follows a link: fails when its target is gone
                except FileNotFoundError:
                    yield Entry(relative, BROKEN_LINK)
                    continue
                yield Entry(relative, FILE, stat.st_size)

    def local_path(self, relative: str) -> Path:
        return self.root / relative

    def location(self, relative: str) -> str:
        return str(self.root / relative)


def gcs_client():
    """A google-cloud-storage client: anonymous when STORAGE_EMULATOR_HOST points it at an
    emulator, otherwise with Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, or
    the machine's own identity). No project: reading a bucket does not need one."""
    from google.cloud import storage

    if os.environ.get(STORAGE_EMULATOR_HOST):
        return storage.Client.create_anonymous_client()
    return storage.Client(project=None)


class GcsSource(LandingSource):
    """`gs://bucket/prefix`: the objects under `prefix/`. A "folder" exists when an object is under
    it; an object named like a folder (`x/`) is a folder. The engine reads local copies: each
    file the interval needs is downloaded once into a private temporary folder, removed when the
    source is closed."""

    def __init__(self, url: str, client=None) -> None:
        bucket, _, prefix = url[len(GCS_SCHEME) :].partition("/")
        if not bucket:
            raise LandingError(
                f"ANALYTICS_LANDING_DIR={url}: expected a local folder or gs://bucket/prefix"
            )
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client = client
        self._blobs: dict = {}  # relative path -> Blob as listed (its size and generation)
        self._copies: Path | None = None

    def __str__(self) -> str:
        return f"{GCS_SCHEME}{self.bucket}/{self.prefix}".rstrip("/")

    @property
    def client(self):
        if self._client is None:
            try:
                self._client = gcs_client()
            except Exception as exc:  # google.auth's DefaultCredentialsError, mostly
                raise LandingError(
                    f"landing folder {self}: no GCS client ({exc}); set "
                    "GOOGLE_APPLICATION_CREDENTIALS or use the machine's own identity"
                ) from exc
        return self._client

    def _name(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def list(self) -> Iterator[Entry]:
        from google.api_core import exceptions

        folder = f"{self.prefix}/" if self.prefix else ""
        found = False
        try:
            for blob in self.client.list_blobs(self.bucket, prefix=folder):
                found = True
                relative = blob.name[len(folder) :]
                if not relative:
                    continue
                if relative.endswith("/"):
                    yield Entry(relative.rstrip("/"), FOLDER)
                    continue
                self._blobs[relative] = blob
                yield Entry(relative, FILE, blob.size or 0)
        except exceptions.NotFound as exc:
            raise LandingError(
                f"landing folder {self} does not exist (ANALYTICS_LANDING_DIR): "
                f"no bucket {self.bucket}"
            ) from exc
        except exceptions.GoogleAPIError as exc:
            raise LandingError(f"landing folder {self} cannot be listed: {exc}") from exc
        if folder and not found:
            raise LandingError(f"landing folder {self} does not exist (ANALYTICS_LANDING_DIR)")

    def local_path(self, relative: str) -> Path:
        if self._copies is None:
            self._copies = Path(tempfile.mkdtemp(prefix="landing-gcs-"))
        target = self._copies / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            blob = self._blobs.get(relative) or self.client.bucket(self.bucket).blob(
                self._name(relative)
            )
            try:
                blob.download_to_filename(str(target))
            except Exception as exc:  # google.api_core's errors
                target.unlink(missing_ok=True)
                raise LandingError(
                    f"landing file {self.location(relative)} cannot be read: {exc}"
                ) from exc
        return target

    def location(self, relative: str) -> str:
        return f"{GCS_SCHEME}{self.bucket}/{self._name(relative)}"

    def close(self) -> None:
        if self._copies is not None:
            shutil.rmtree(self._copies, ignore_errors=True)
            self._copies = None
        if self._client is not None:
            self._client.close()
            self._client = None


def landing_source(landing_dir: str | Path | LandingSource) -> LandingSource:
    """ANALYTICS_LANDING_DIR as a source: gs://bucket/prefix, or a local folder (a relative one
    is taken from the project root)."""
    if isinstance(landing_dir, LandingSource):
        return landing_dir
    if isinstance(landing_dir, str) and landing_dir.lower().startswith(GCS_SCHEME):
        return GcsSource(landing_dir)
    return LocalSource(resolve_path(landing_dir))
