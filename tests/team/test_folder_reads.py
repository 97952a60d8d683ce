"""What someone with write access to the shared folder can plant, and how every read
refuses it: named reason, no hang, bounded memory, never a stray exception.

Reads that could hang run in a thread with a deadline, so a regression fails the test
instead of hanging the suite.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careterm.team import folder
from careterm.team.folder import FileMissing, UnsafeContent, UnsafeFile
from tests.support import within

DEV = "0123456789abcdef"
DEADLINE = 5.0
PROPERTY = settings(max_examples=300, deadline=None)


@pytest.fixture(autouse=True)
def _no_leaked_descriptors() -> Iterator[None]:
    """Every refusal closes what it opened."""
    before = set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    yield
    if before is not None:
        leaked = set(os.listdir("/proc/self/fd")) - before
        assert not leaked, f"descriptors left open: {leaked}"


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """A shared folder with a team header and one device folder holding a segment."""
    root = tmp_path / "shared"
    (root / "devices" / DEV).mkdir(parents=True)
    (root / "careterm-team.json").write_bytes(b'{"kind": "careterm team folder"}')
    (root / "devices" / DEV / "1.seg").write_bytes(b"CTSEG1 sealed bytes")
    return root


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder outside the shared folder, with a file nobody meant to share."""
    path = tmp_path / "elsewhere"
    (path / "device").mkdir(parents=True)
    (path / "secret.txt").write_bytes(b"not for the team")
    (path / "device" / "1.seg").write_bytes(b"not for the team either")
    return path




def refusal(call: Callable[[], Any], fifo: Path | None = None) -> UnsafeFile:
    """The :class:`UnsafeFile` ``call()`` raised within the deadline."""
    result = within(DEADLINE, call, fifo)
    assert isinstance(result, UnsafeFile), f"not refused: {result!r}"
    return result


def read(path: Path, root: Path, limit: int = folder.SEGMENT_CAP) -> Callable[[], bytes]:
    return lambda: folder.read_regular(path, root=root, limit=limit)


class TestOnlyRegularFiles:
    """A FIFO, a device, a socket or a folder is refused by its kind, before any read."""

    def test_an_ordinary_file_reads(self, shared: Path) -> None:
        path = shared / "devices" / DEV / "1.seg"
        assert folder.read_regular(path, root=shared, limit=folder.SEGMENT_CAP) == \
            b"CTSEG1 sealed bytes"
        assert folder.read_regular(shared / "careterm-team.json", root=shared,
                                   limit=folder.HEADER_CAP).startswith(b"{")

    def test_an_empty_file_reads_as_empty(self, shared: Path) -> None:
        path = shared / "devices" / DEV / "2.seg"
        path.write_bytes(b"")
        assert folder.read_regular(path, root=shared, limit=folder.SEGMENT_CAP) == b""

    def test_a_fifo_named_like_a_segment_is_refused_without_blocking(self, shared: Path
                                                                     ) -> None:
        fifo = shared / "devices" / DEV / "3.seg"
        os.mkfifo(fifo)
        exc = refusal(read(fifo, shared), fifo=fifo)
        assert exc.reason == "not a regular file (a FIFO)"
        assert not exc.retry

    def test_a_fifo_swapped_in_after_the_check_is_refused_without_blocking(
            self, shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        fifo = shared / "devices" / DEV / "3.seg"
        os.mkfifo(fifo)
        regular = os.stat(shared / "devices" / DEV / "1.seg")
        real_stat = os.stat

        def stale_stat(name: Any, *args: Any, **kwargs: Any) -> os.stat_result:
            # What the name was when checked: a regular file, replaced before the open.
            return regular if name == "3.seg" else real_stat(name, *args, **kwargs)

        monkeypatch.setattr(os, "stat", stale_stat)
        exc = refusal(read(fifo, shared), fifo=fifo)
        monkeypatch.undo()
        assert exc.reason == "not a regular file (a FIFO)"

    def test_a_fifo_header_is_refused_without_blocking(self, shared: Path) -> None:
        header = shared / "careterm-team.json"
        header.unlink()
        os.mkfifo(header)
        exc = refusal(read(header, shared, folder.HEADER_CAP), fifo=header)
        assert "FIFO" in exc.reason

    def test_a_socket_is_refused(self, shared: Path) -> None:
        path = shared / "devices" / DEV / "4.seg"
        if len(os.fsencode(path)) >= 100:
            pytest.skip("path too long for a Unix socket here")
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(os.fspath(path))
            exc = refusal(read(path, shared))
        assert exc.reason == "not a regular file (a socket)"

    def test_a_folder_named_like_a_segment_is_refused(self, shared: Path) -> None:
        path = shared / "devices" / DEV / "5.seg"
        path.mkdir()
        assert refusal(read(path, shared)).reason == "not a regular file (a folder)"

    def test_the_shared_folder_itself_is_not_a_file(self, shared: Path) -> None:
        assert refusal(read(shared, shared)).reason == "not a regular file (a folder)"

    def test_a_file_where_a_device_folder_should_be_is_refused(self, shared: Path) -> None:
        (shared / "devices" / "fedcba9876543210").write_bytes(b"a file")
        exc = refusal(read(shared / "devices" / "fedcba9876543210" / "1.seg", shared))
        assert exc.reason == "devices/fedcba9876543210 is not a folder (a file)"

    def test_a_fifo_where_a_device_folder_should_be_is_refused_without_blocking(
            self, shared: Path) -> None:
        fifo = shared / "devices" / "fedcba9876543210"
        os.mkfifo(fifo)
        exc = refusal(lambda: folder.list_dir(fifo, root=shared), fifo=fifo)
        assert exc.reason == "not a folder (a FIFO)"
        exc = refusal(read(fifo / "1.seg", shared), fifo=fifo)
        assert exc.reason == "devices/fedcba9876543210 is not a folder (a FIFO)"

    def test_a_missing_file_is_missing_not_unsafe(self, shared: Path) -> None:
        exc = refusal(read(shared / "devices" / DEV / "9.seg", shared))
        assert isinstance(exc, FileMissing)
        assert exc.retry

    def test_a_missing_shared_folder_is_missing(self, tmp_path: Path) -> None:
        gone = tmp_path / "unmounted"
        exc = refusal(read(gone / "careterm-team.json", gone))
        assert isinstance(exc, FileMissing)

    @pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
    def test_an_unreadable_file_is_a_read_failure_to_retry(self, shared: Path) -> None:
        path = shared / "devices" / DEV / "1.seg"
        path.chmod(0)
        exc = refusal(read(path, shared))
        assert isinstance(exc, folder.ReadFailed)
        assert exc.reason == "could not be read (Permission denied)"
        assert exc.retry

    def test_a_disk_error_is_a_read_failure_to_retry(self, shared: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
        def failing_read(fd: int, n: int) -> bytes:
            raise OSError(errno.EIO, os.strerror(errno.EIO))

        monkeypatch.setattr(os, "read", failing_read)
        with pytest.raises(folder.ReadFailed) as caught:
            folder.read_regular(shared / "devices" / DEV / "1.seg", root=shared,
                                limit=folder.SEGMENT_CAP)
        monkeypatch.undo()
        assert caught.value.reason == "could not be read (Input/output error)"
        assert caught.value.retry

    def test_stat_regular_follows_the_same_rules(self, shared: Path) -> None:
        path = shared / "devices" / DEV / "1.seg"
        assert folder.stat_regular(path, root=shared).st_size == len(b"CTSEG1 sealed bytes")
        fifo = shared / "devices" / DEV / "3.seg"
        os.mkfifo(fifo)
        exc = refusal(lambda: folder.stat_regular(fifo, root=shared), fifo=fifo)
        assert exc.reason == "not a regular file (a FIFO)"
        exc = refusal(lambda: folder.stat_regular(path, root=shared, limit=4))
        assert exc.reason == "larger than 4 bytes"


class TestNoLinksFollowed:
    """A link anywhere below the shared folder is refused; the folder itself may be one."""

    def test_a_link_to_dev_zero_is_refused(self, shared: Path) -> None:
        link = shared / "devices" / DEV / "3.seg"
        link.symlink_to("/dev/zero")
        exc = refusal(read(link, shared))
        assert exc.reason == "a link, not followed"
        assert not exc.retry

    def test_a_link_to_a_file_outside_is_refused(self, shared: Path, elsewhere: Path
                                                 ) -> None:
        link = shared / "devices" / DEV / "device.reg"
        link.symlink_to(elsewhere / "secret.txt")
        exc = refusal(read(link, shared, folder.REGISTRATION_CAP))
        assert exc.reason == "a link, not followed"
        assert "not for the team" not in str(exc)

    def test_a_link_to_a_file_inside_is_refused_too(self, shared: Path) -> None:
        # careterm never makes links: refusing them all leaves no way out of the folder.
        link = shared / "devices" / DEV / "2.seg"
        link.symlink_to("1.seg")
        assert refusal(read(link, shared)).reason == "a link, not followed"

    def test_a_device_folder_linked_out_of_the_folder_is_refused(
            self, shared: Path, elsewhere: Path) -> None:
        linked = shared / "devices" / "fedcba9876543210"
        linked.symlink_to(elsewhere / "device", target_is_directory=True)
        exc = refusal(read(linked / "1.seg", shared))
        assert exc.reason == "devices/fedcba9876543210 is a link, not followed"
        exc = refusal(lambda: folder.list_dir(linked, root=shared))
        assert exc.reason == "a link, not followed"
        entries = {e.name: e for e in folder.list_dir(shared / "devices", root=shared)}
        assert entries["fedcba9876543210"].kind == "link"
        assert not entries["fedcba9876543210"].is_dir

    def test_the_devices_folder_linked_out_is_refused(self, tmp_path: Path,
                                                      elsewhere: Path) -> None:
        root = tmp_path / "planted"
        root.mkdir()
        (root / "devices").symlink_to(elsewhere, target_is_directory=True)
        exc = refusal(read(root / "devices" / "device" / "1.seg", root))
        assert exc.reason == "devices is a link, not followed"

    def test_a_path_outside_the_folder_is_refused(self, shared: Path, elsewhere: Path
                                                  ) -> None:
        assert refusal(read(elsewhere / "secret.txt", shared)).reason == \
            "outside the shared folder"
        sneaky = shared / "devices" / ".." / ".." / "elsewhere" / "secret.txt"
        assert refusal(read(sneaky, shared)).reason == "outside the shared folder"
        exc = refusal(lambda: folder.list_dir(elsewhere, root=shared))
        assert exc.reason == "outside the shared folder"

    def test_the_shared_folder_may_itself_be_a_link(self, tmp_path: Path, shared: Path
                                                    ) -> None:
        chosen = tmp_path / "Dropbox-CARE"
        chosen.symlink_to(shared, target_is_directory=True)
        path = chosen / "devices" / DEV / "1.seg"
        assert folder.read_regular(path, root=chosen, limit=folder.SEGMENT_CAP) == \
            b"CTSEG1 sealed bytes"


class TestSizeCaps:
    """A file over its kind's cap is refused, naming the cap; never more is read."""

    def test_a_file_over_its_cap_is_refused_naming_the_cap(self, shared: Path) -> None:
        header = shared / "careterm-team.json"
        header.write_bytes(b" " * (folder.HEADER_CAP + 1))
        exc = refusal(read(header, shared, folder.HEADER_CAP))
        assert exc.reason == "larger than 256 KiB"
        assert not exc.retry

    def test_a_file_at_its_cap_reads(self, shared: Path) -> None:
        header = shared / "careterm-team.json"
        header.write_bytes(b" " * folder.HEADER_CAP)
        assert len(folder.read_regular(header, root=shared, limit=folder.HEADER_CAP)) == \
            folder.HEADER_CAP

    def test_a_file_growing_past_its_cap_while_read_is_refused(
            self, shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = shared / "devices" / DEV / "1.seg"
        path.write_bytes(b"x" * 10_000)
        real_stat, real_fstat, real_read = os.stat, os.fstat, os.read
        read_sizes: list[int] = []

        def as_if_empty(st: os.stat_result) -> os.stat_result:
            # What stat said before the file grew.
            return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid,
                                   st.st_gid, 0, int(st.st_atime), int(st.st_mtime),
                                   int(st.st_ctime)))

        def counting_read(fd: int, n: int) -> bytes:
            data = real_read(fd, n)
            read_sizes.append(len(data))
            return data

        monkeypatch.setattr(os, "stat", lambda *a, **k: as_if_empty(real_stat(*a, **k)))
        monkeypatch.setattr(os, "fstat", lambda fd: as_if_empty(real_fstat(fd)))
        monkeypatch.setattr(os, "read", counting_read)
        with pytest.raises(UnsafeFile) as caught:
            folder.read_regular(path, root=shared, limit=1000)
        monkeypatch.undo()
        assert caught.value.reason == "larger than 1,000 bytes (it grew while being read)"
        assert sum(read_sizes) == 1001

    def test_sizes_are_named_for_people(self) -> None:
        assert folder.size_text(folder.SEGMENT_CAP) == "65 MiB"
        assert folder.size_text(1536) == "1,536 bytes"
        assert folder.size_text(64 * 1024) == "64 KiB"


class TestListing:
    """Listings show every entry's own kind and follow nothing."""

    def test_a_listing_names_each_kind(self, shared: Path, elsewhere: Path) -> None:
        device = shared / "devices" / DEV
        os.mkfifo(device / "3.seg")
        (device / "4.seg").symlink_to("/dev/zero")
        (device / "sub").mkdir()
        (device / "5.seg").symlink_to(elsewhere / "device", target_is_directory=True)
        entries = within(DEADLINE, lambda: folder.list_dir(device, root=shared))
        assert [(e.name, e.kind) for e in entries] == [
            ("1.seg", "file"), ("3.seg", "FIFO"), ("4.seg", "link"), ("5.seg", "link"),
            ("sub", "folder")]
        problems = {e.name: e.problem() for e in entries}
        assert problems == {"1.seg": None, "3.seg": "not a regular file (a FIFO)",
                            "4.seg": "a link, not followed", "5.seg": "a link, not followed",
                            "sub": "not a regular file (a folder)"}
        assert [e.name for e in entries if e.is_dir] == ["sub"]
        assert [e.name for e in entries if e.is_file] == ["1.seg"]

    def test_the_shared_folder_itself_can_be_listed(self, shared: Path) -> None:
        assert [(e.name, e.kind) for e in folder.list_dir(shared, root=shared)] == [
            ("careterm-team.json", "file"), ("devices", "folder")]

    def test_a_missing_folder_is_missing(self, shared: Path) -> None:
        exc = refusal(lambda: folder.list_dir(shared / "epochs", root=shared))
        assert isinstance(exc, FileMissing)

    def test_a_flooded_folder_is_refused(self, shared: Path) -> None:
        device = shared / "devices" / DEV
        for n in range(2, 12):
            (device / f"{n}.seg").write_bytes(b"")
        assert len(folder.list_dir(device, root=shared, max_entries=11)) == 11
        exc = refusal(lambda: folder.list_dir(device, root=shared, max_entries=10))
        assert exc.reason == "holds more than 10 entries"


def zeros_compressed(size: int, level: int) -> bytes:
    """``size`` zero bytes compressed, made a MiB at a time (small in memory)."""
    packer = zlib.compressobj(level)
    block = bytes(1 << 20)
    parts = [packer.compress(block) for _ in range(size >> 20)]
    parts.append(packer.flush())
    return b"".join(parts)


class TestDecompression:
    """Output is capped absolutely and by ratio; the bomb stops early and small."""

    def test_ordinary_data_decompresses(self) -> None:
        payload = json.dumps({"changes": [{"cid": f"abc:{n}"} for n in range(1000)]}).encode()
        assert folder.bounded_decompress(zlib.compress(payload, 1)) == payload

    def test_the_longest_runs_careterm_writes_pass_the_ratio(self) -> None:
        # Three notes of the longest text allowed, all spaces, as write_segment packs them.
        payload = b" " * 6_000_000
        packed = zlib.compress(payload, 1)
        assert len(payload) > folder.RATIO_FLOOR
        assert folder.bounded_decompress(packed) == payload

    def test_a_one_gib_bomb_is_refused_quickly_in_bounded_memory(self) -> None:
        bomb = zeros_compressed(1 << 30, 1)
        assert len(bomb) < 8 << 20
        tracemalloc.start()
        started = time.monotonic()
        try:
            with pytest.raises(UnsafeContent) as caught:
                folder.bounded_decompress(bomb)
            elapsed = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert caught.value.reason == "larger than 64 MiB once decompressed"
        assert elapsed < DEADLINE
        assert peak < 3 * folder.DECOMPRESSED_CAP

    def test_a_small_bomb_is_refused_by_its_ratio(self) -> None:
        bomb = zeros_compressed(64 << 20, 9)
        with pytest.raises(UnsafeContent) as caught:
            folder.bounded_decompress(bomb)
        assert caught.value.reason == \
            "expands more than 250 times when decompressed (a compression bomb?)"

    def test_the_limit_is_exact(self) -> None:
        packed = zlib.compress(b"x" * 5000)
        assert folder.bounded_decompress(packed, 5000, ratio=None) == b"x" * 5000
        with pytest.raises(UnsafeContent, match="larger than 4,999 bytes"):
            folder.bounded_decompress(packed, 4999, ratio=None)

    def test_damaged_and_truncated_streams_are_refused(self) -> None:
        packed = zlib.compress(b"careterm " * 1000)
        with pytest.raises(UnsafeContent, match="incomplete compressed data"):
            folder.bounded_decompress(packed[:len(packed) // 2])
        with pytest.raises(UnsafeContent, match="damaged compressed data"):
            folder.bounded_decompress(b"not zlib at all")

    def test_the_error_is_a_value_error_like_json_loads_errors(self) -> None:
        # So handlers written for json.loads and zlib catch it where they are switched.
        with pytest.raises(ValueError):
            folder.bounded_decompress(b"not zlib at all")
        with pytest.raises(ValueError):
            folder.loads_json(b"{")


class TestJson:
    """Parsing never recurses too deep, never explodes, and otherwise equals json.loads."""

    def test_deep_nesting_is_refused_not_a_recursion_error(self) -> None:
        result = within(DEADLINE, lambda: folder.loads_json(b"[" * 100_000))
        assert isinstance(result, UnsafeContent), repr(result)
        assert result.reason == "nested more than 32 deep"
        with pytest.raises(UnsafeContent, match="nested more than 32 deep"):
            folder.loads_json("[" * 100_000 + "]" * 100_000)
        with pytest.raises(UnsafeContent, match="nested more than 32 deep"):
            folder.loads_json('{"a":' * 100_000 + "1" + "}" * 100_000)

    def test_a_depth_bound_above_pythons_limit_still_never_raises_recursion_error(self
                                                                                 ) -> None:
        with pytest.raises(UnsafeContent, match="nested too deeply"):
            folder.loads_json("[" * 100_000 + "]" * 100_000, max_depth=10**9)

    def test_brackets_and_escaped_quotes_inside_strings_do_not_count(self) -> None:
        text = json.dumps({"note": '[[[{{{"\\' * 100, "x": ['"]]]', "\\\\"]})
        assert folder.loads_json(text, max_depth=2) == json.loads(text)

    def test_the_depth_bound_is_exact(self) -> None:
        assert folder.loads_json("[[[1]]]", max_depth=3) == [[[1]]]
        with pytest.raises(UnsafeContent, match="nested more than 2 deep"):
            folder.loads_json("[[[1]]]", max_depth=2)

    def test_too_many_values_are_refused(self) -> None:
        text = "[" + ",".join(["0"] * 1000) + "]"
        assert len(folder.loads_json(text, max_items=1001)) == 1000
        with pytest.raises(UnsafeContent, match="holds more than 999 values"):
            folder.loads_json(text, max_items=999)

    def test_too_large_is_refused_before_parsing(self) -> None:
        with pytest.raises(UnsafeContent, match="larger than 16 bytes"):
            folder.loads_json(b'{"a": "0123456789"}', max_bytes=16)

    def test_bad_text_and_bad_json_are_refused(self) -> None:
        with pytest.raises(UnsafeContent, match="bad UTF-8"):
            folder.loads_json(b'"\xff\xfe\xfa"  ')
        with pytest.raises(UnsafeContent, match="not valid JSON"):
            folder.loads_json(b'{"a": }')
        with pytest.raises(UnsafeContent, match="not valid JSON"):
            folder.loads_json("9" * 5000)  # over Python's digit limit for int()
        with pytest.raises(UnsafeContent, match="not text"):
            folder.loads_json(42)  # type: ignore[arg-type]

    def test_what_json_loads_accepts_is_accepted(self) -> None:
        value = {"team": "Example Con CARE", "n": [1, 2.5, None, True], "é": "\ud800"}
        for blob in (json.dumps(value).encode(), json.dumps(value).encode("utf-16"),
                     b"\xef\xbb\xbf" + json.dumps(value, ensure_ascii=False).encode(
                         "utf-8", "surrogatepass")):
            assert folder.loads_json(blob) == json.loads(blob) == value


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


tricky_text = st.text() | st.text(alphabet='\\"[]{},: aé\u2028')
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | tricky_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky_text, inner,
                                                                max_size=4),
    max_leaves=30)


def loads_or_refused(data: bytes | str) -> tuple[str, Any]:
    try:
        return "value", folder.loads_json(data)
    except UnsafeContent:
        return "refused", None


class TestJsonProperties:
    """For any input: a value or UnsafeContent, never another exception."""

    @PROPERTY
    @given(data=st.binary(max_size=200))
    def test_any_bytes_give_a_value_or_the_error(self, data: bytes) -> None:
        outcome, value = loads_or_refused(data)
        if outcome == "value":
            assert value == json.loads(data)

    @PROPERTY
    @given(text=st.text(alphabet='[]{}",:\\ 0a\u00e9tnrue', max_size=80))
    def test_any_punctuation_gives_a_value_or_the_error(self, text: str) -> None:
        outcome, value = loads_or_refused(text)
        if outcome == "value":
            assert value == json.loads(text)
        try:
            expected = json.loads(text)
        except ValueError:
            return
        if depth(expected) <= folder.MAX_JSON_DEPTH:
            assert (outcome, value) == ("value", expected)

    @PROPERTY
    @given(value=json_values, ascii_only=st.booleans())
    def test_the_depth_is_measured_exactly(self, value: Any, ascii_only: bool) -> None:
        blob = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
        deepest = depth(value)
        assert folder.loads_json(blob, max_depth=deepest) == value
        if deepest:
            with pytest.raises(UnsafeContent):
                folder.loads_json(blob, max_depth=deepest - 1)
