"""Landing files in a GCS bucket (ANALYTICS_LANDING_DIR=gs://bucket/prefix), against a local GCS
API (gcp-storage-emulator, in memory, on a free port of 127.0.0.1): the same layout read from the
bucket gives exactly the rows of the same files in a local folder, and so does the pipeline."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SAMPLE_LANDING, stop_process_group
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage

from growth_analytics import landing
from growth_analytics.landing import sources

pytestmark = pytest.mark.server

STARTUP_SECONDS = 30
D = dt.date.fromisoformat

HEADER = (
    "event_time,user_id,event_type,transaction_category,miles_amount,platform,utm_source,country"
)
GOOD = "2025-03-08 10:00:00,u_1,miles_earned,dining,516.0,web,organic,SG"


@dataclass
class Emulator:
    host: str  # http://127.0.0.1:PORT, what STORAGE_EMULATOR_HOST is set to
    log: Path

    def client(self) -> storage.Client:
        return storage.Client(
            project="test",
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.host},
        )

    def new_bucket(self) -> storage.Bucket:
        return self.client().create_bucket(f"landing-{uuid.uuid4().hex[:12]}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(workdir: Path) -> tuple[subprocess.Popen, Emulator]:
    port = _free_port()
    log = workdir / f"emulator-{port}.log"
    cmd = [sys.executable, "-m", "gcp_storage_emulator", "start", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--in-memory", "--quiet"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=workdir,
            env={**os.environ, "HOME": str(workdir)},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, killed whole at teardown
        )
    emulator = Emulator(f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{emulator.host}/storage/v1/b?project=test", timeout=2):
                return proc, emulator
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    stop_process_group(proc)
    raise RuntimeError(
        f"gcp-storage-emulator did not answer on {emulator.host} within {STARTUP_SECONDS} s "
        f"(exit code {proc.returncode}):\n{log.read_text(errors='replace')[-4000:]}"
    )


@pytest.fixture(scope="module")
def emulator(tmp_path_factory) -> Iterator[Emulator]:
    workdir = tmp_path_factory.mktemp("gcs_emulator")
    for attempt in range(3):  # the free port may be taken between choosing and binding it
        try:
            proc, found = _start(workdir)
            break
        except RuntimeError:
            if attempt == 2:
                raise
    try:
        yield found
    finally:
        stop_process_group(proc)


@pytest.fixture
def gcs(emulator, monkeypatch) -> Emulator:
    """The reader's own client (landing.gcs_client) talks to the emulator, anonymously."""
    monkeypatch.setenv(sources.STORAGE_EMULATOR_HOST, emulator.host)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    return emulator


def upload_tree(local: Path, bucket: storage.Bucket, prefix: str) -> None:
    """Every file under `local` (hidden files and markers too) as an object under `prefix/`."""
    for path in sorted(local.rglob("*")):
        if path.is_file():
            bucket.blob(f"{prefix}/{path.relative_to(local).as_posix()}").upload_from_filename(
                str(path)
            )


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def parquet_bytes(table: pa.Table) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def rows(landing_dir, start: str, end: str, first: str = "2025-03-05") -> pd.DataFrame:
    """Every piece of the interval (records, headers, blanks, skipped paths), by file and line."""
    return landing.read_pieces(landing_dir, D(start), D(end), D(first)).to_pandas()


def landing_layout(root: Path) -> Path:
    """Every case of the layout rules, as a local landing folder."""
    csv_lines = [
        HEADER,
        GOOD,
        '2025-03-08 10:01:00,"u_2,miles_earned,dining,1,web,organic,SG',  # unclosed quote
        "2025-03-08 10:02:00,u_3,like",  # too few columns
        "",
        GOOD.replace("u_1", "u_4") + "\r",  # a CRLF line
    ]
    write(
        root / "dt=2025-03-08" / "events.csv",
        "\n".join(csv_lines).encode()
        + b"\n2025-03-08 10:04:00,u_\xff,like,,,web,organic,SG\n"  # not UTF-8
        + GOOD.replace("u_1", "u_5").encode(),  # no final line break
    )
    write(
        root / "dt=2025-03-08" / "part-0.parquet",
        parquet_bytes(
            pa.table(
                {
                    "event_time": pa.array([dt.datetime(2025, 3, 8, 11, 0, 0, 784808), None]),
                    "user_id": ["u_6", "u_7"],
                    "event_type": ["miles_earned", "like"],
                    "transaction_category": ["dining", None],
                    "miles_amount": [516.0, None],
                    "platform": ["web", "IOS"],
                    "utm_source": ["organic", "google"],
                    "country": ["SG", "TH"],
                }
            )
        ),
    )
    write(root / "dt=2025-03-08" / "_SUCCESS", "")
    write(root / "dt=2025-03-09" / "events.csv", f"{HEADER}\n{GOOD}\n{GOOD}\n")
    write(root / "dt=2025-03-09" / ".events.csv.crc", "not a landing file")  # hidden: skipped
    write(root / ".staging" / "events.csv", f"{HEADER}\n{GOOD}\n")  # hidden folder: skipped
    write(root / "_tmp" / "events.json", "{}")  # marker folder: skipped
    write(root / "events_2025-03-10.csv", f"{HEADER}\n{GOOD.replace('03-08', '03-10')}\n")
    write(
        root / "2025" / "dt=2025-03-11" / "part.parquet",
        parquet_bytes(pa.table({"when": ["2025-03-11"], "who": ["u_8"]})),  # wrong columns
    )
    write(
        root / "history.csv",  # unpartitioned: each row on its own event date
        "\n".join(
            [
                HEADER,
                GOOD.replace("2025-03-08", "2025-02-20"),
                GOOD.replace("2025-03-08", "2025-03-09"),
                GOOD.replace("2025-03-08", "2025-03-12"),
                "not a time,u_9,like,,,web,organic,SG",
            ]
        )
        + "\n",
    )
    return root


@pytest.fixture
def layout(tmp_path, gcs) -> tuple[Path, str]:
    """The same files in a local folder and under gs://BUCKET/landing, with what only a bucket
    has: objects named like folders (as the console makes them) and a look-alike prefix."""
    local = landing_layout(tmp_path / "landing")
    bucket = gcs.new_bucket()
    upload_tree(local, bucket, "landing")
    bucket.blob("landing/dt=2025-03-08/").upload_from_string(b"")
    bucket.blob("landing/dt=2025-03-12/").upload_from_string(b"")
    bucket.blob("landing-old/dt=2025-03-08/events.csv").upload_from_string(f"{HEADER}\n{GOOD}\n")
    return local, f"gs://{bucket.name}/landing"


def test_emulator_supports_what_the_reader_uses(gcs):
    """Prefix listing, sizes, ranged downloads and a seekable stream: it fails first if the
    emulator drifts."""
    bucket = gcs.new_bucket()
    data = b"".join(b"line %06d\n" % i for i in range(50_000))
    bucket.blob("p/dt=2025-03-08/a.csv").upload_from_string(data)
    bucket.blob("pq/a.csv").upload_from_string(b"x")
    listed = {b.name: b.size for b in gcs.client().list_blobs(bucket.name, prefix="p/")}
    assert listed == {"p/dt=2025-03-08/a.csv": len(data)}
    blob = bucket.blob("p/dt=2025-03-08/a.csv")
    assert blob.download_as_bytes(start=11, end=21) == data[11:22]
    with blob.open("rb", chunk_size=64 * 1024) as stream:
        stream.seek(-10, os.SEEK_END)
        assert stream.read() == data[-10:]
        stream.seek(0)
        assert b"".join(iter(lambda: stream.read(100_000), b"")) == data


@pytest.mark.parametrize(
    ("start", "end"),
    [("2025-03-01", "2025-03-31"), ("2025-03-08", "2025-03-08"), ("2025-03-10", "2025-03-12")],
)
def test_gcs_reader_yields_the_rows_of_the_local_reader(layout, start, end):
    local, url = layout
    expected = rows(local, start, end)
    got = rows(url, start, end)
    pd.testing.assert_frame_equal(got, expected)
    assert (got["piece"] == "record").any()
    read = got[got["piece"] != "skipped"]
    assert not read["source_file"].str.contains(r"(?:^|/)[._]|landing", regex=True).any()


def test_gcs_discovery_equals_local_and_days_open_only_their_files(layout, monkeypatch):
    local, url = layout

    def seen(source):
        found = landing.discover(source)
        return [(f.relative, f.size, f.fmt, f.partition_date) for f in found.files]

    assert seen(url) == seen(local)
    assert [name for name, *_ in seen(url)] == [
        "2025/dt=2025-03-11/part.parquet",
        "dt=2025-03-08/events.csv",
        "dt=2025-03-08/part-0.parquet",
        "dt=2025-03-09/events.csv",
        "events_2025-03-10.csv",
        "history.csv",
    ]
    assert landing.discover(url).files[0].location == f"{url}/2025/dt=2025-03-11/part.parquet"

    opened: dict[str, list[str]] = {"local": [], "gcs": []}
    for cls, key in ((landing.LocalSource, "local"), (landing.GcsSource, "gcs")):
        original = cls.local_path

        def spy(self, relative, _original=original, _key=key):
            opened[_key].append(relative)
            return _original(self, relative)

        monkeypatch.setattr(cls, "local_path", spy)
    rows(local, "2025-03-09", "2025-03-09")
    rows(url, "2025-03-09", "2025-03-09")
    assert opened["gcs"] == opened["local"] == ["dt=2025-03-09/events.csv", "history.csv"]


def test_unsupported_file_type_fails_naming_the_gs_path(gcs):
    bucket = gcs.new_bucket()
    bucket.blob("landing/dt=2025-03-08/events.csv").upload_from_string(f"{HEADER}\n{GOOD}\n")
    bucket.blob("landing/dt=2025-03-08/events.json").upload_from_string("{}")
    path = f"gs://{bucket.name}/landing/dt=2025-03-08/events.json"
    with pytest.raises(landing.LandingError, match=rf"^landing file {path}: unsupported"):
        rows(f"gs://{bucket.name}/landing/", "2025-03-08", "2025-03-08")


def test_corrupt_parquet_fails_naming_the_gs_path(gcs):
    bucket = gcs.new_bucket()
    bucket.blob("landing/dt=2025-03-08/broken.parquet").upload_from_string(b"PAR1 not parquet")
    path = f"gs://{bucket.name}/landing/dt=2025-03-08/broken.parquet"
    with pytest.raises(landing.LandingError, match=rf"^landing file {path} cannot be read"):
        rows(f"gs://{bucket.name}/landing", "2025-03-08", "2025-03-08")


def test_missing_bucket_or_prefix_fails(gcs):
    bucket = gcs.new_bucket()
    bucket.blob("landing/dt=2025-03-08/events.csv").upload_from_string(f"{HEADER}\n{GOOD}\n")
    for url in (f"gs://{bucket.name}/landin", f"gs://{bucket.name}-gone/landing"):
        with pytest.raises(landing.LandingError, match=rf"^landing folder {url} does not exist"):
            rows(url, "2025-03-08", "2025-03-08")
    with pytest.raises(landing.LandingError, match="expected a local folder or gs://"):
        rows("gs:///landing", "2025-03-08", "2025-03-08")


# Five days of the bundled sample (about 850 rows each, with late events): the first run is the
# plan up to the fourth, the second the daily run of the fifth.
DAYS = [f"2025-02-0{d}" for d in range(1, 6)]
COMPARED = {
    "staging.stg_events_classified": "source_file, source_line",
    "analytics.growth_accounting_daily": "period_start",
    "analytics.ingestion_accounting": "landed_date, source_file",
}


def test_pipeline_on_gcs_equals_the_local_folder(make_pipeline, emulator):
    """Builds its own two warehouses: one from the bucket, one from the same files in a folder."""
    local = make_pipeline("local", start=DAYS[0])
    remote = make_pipeline("gcs", start=DAYS[0])
    bucket = emulator.new_bucket()
    for day in DAYS:
        shutil.copytree(SAMPLE_LANDING / f"dt={day}", local.landing / f"dt={day}")
        write(local.landing / f"dt={day}" / "_SUCCESS", "")
    upload_tree(local.landing, bucket, "prod/landing")
    remote.env.update(
        ANALYTICS_LANDING_DIR=f"gs://{bucket.name}/prod/landing",
        STORAGE_EMULATOR_HOST=emulator.host,
    )
    assert not any(remote.landing.iterdir())  # nothing to read locally: it all comes from GCS

    for pipeline in (local, remote):
        pipeline.cli("run", "--init", "--end", DAYS[-2])
        pipeline.cli("run", "--end", DAYS[-1])

    for table, order_by in COMPARED.items():
        got = remote.table_digest(table, order_by)
        assert got == local.table_digest(table, order_by), table
        assert got, table
    landed = remote.query(
        "SELECT CAST(landed_date AS VARCHAR), source_file, skipped_reason "
        "FROM analytics.ingestion_accounting ORDER BY 1, 2"
    )
    # The _SUCCESS markers are listed as skipped, on their day.
    assert landed == [
        row
        for day in DAYS
        for row in (
            (day, f"dt={day}/_SUCCESS", "hidden_or_marker"),
            (day, f"dt={day}/events.parquet", None),
        )
    ]
