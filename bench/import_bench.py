"""``python -m bench.import_bench``: how long ``careterm import`` takes for 10,000 rows.

Goal (issue 2): a few seconds, with one store write. Prints the whole command
(a fresh process, MODERATE key derivation included) and, as a baseline in the
same run, ``careterm list`` on the same store (start-up + key derivation +
reading), so the import's own share can be seen.
"""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = 10_000
PASSPHRASE = "bench passphrase for fictional data"


def write_csv(path: Path) -> None:
    """10,000 fictional reports."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["what", "who", "when", "where", "ongoing", "source", "urgency"])
        for n in range(ROWS):
            writer.writerow([f"Test report {n}: remark in the queue for coffee", "Bo Sample",
                             ("10 min ago", "14:05", "yesterday 21:00")[n % 3],
                             f"Room {n % 9}", ("yes", "no", "unknown")[n % 3], "in-person",
                             ("", "low", "critical")[n % 3]])


def run(home: Path, *args: str) -> float:
    """Seconds for one ``careterm`` command in a fresh process."""
    env = {**os.environ, "CARETERM_PASSPHRASE": PASSPHRASE}
    env.pop("CARETERM_KDF_LIMITS", None)  # real MODERATE limits
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "careterm", "--home", str(home), *args],
                   env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    """Import three times into fresh homes; print the median."""
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        data = folder / "reports.csv"
        write_csv(data)
        imports, lists = [], []
        for n in range(3):
            home = folder / f"home{n}"
            run(home, "init", "--member", "Bench Member")
            imports.append(run(home, "import", str(data)))
            lists.append(run(home, "list", "--json"))
        imported, listed = statistics.median(imports), statistics.median(lists)
        print(f"careterm import of {ROWS:,} CSV rows (whole command, Argon2id included): "
              f"{imported * 1000:.0f} ms (goal: a few seconds)")
        print(f"careterm list --json of the same {ROWS:,} reports (baseline):       "
              f"{listed * 1000:.0f} ms; ratio {imported / listed:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
