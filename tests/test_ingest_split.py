"""Two reader processes on two parts of one large CSV file: the parts read exactly as the whole file does, and
the ingest lands the same graph and the same report as one reader (ingest.split, _Run._read_feed_split)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from graph.sqlite_store import SQLiteStore
from ingest import pipeline
from ingest.split import FilePart, PartReader, _cut, plan_parts
from ingest.textio import iter_csv_rows
from ingest.values import DuplicateIds

HEADER = "person,course_id,status,at,score\n"


def _rows(path: Path | PartReader) -> list[object]:
    if isinstance(path, Path):
        with path.open("rb") as fp:
            return list(
                iter_csv_rows(fp, "f.csv", required=("person",), optional=("course_id", "status", "at", "score"))
            )
    with path:
        return list(iter_csv_rows(path, "f.csv", required=("person",), optional=("course_id", "status", "at", "score")))


def _messy_csv(rng: random.Random, n: int) -> bytes:
    """Rows with quoted values spanning lines, doubled quotes, stray quotes in unquoted values, blank lines and
    lines that are not UTF-8: everything that decides where a logical CSV line ends."""
    out = [b"\xef\xbb\xbf\n", HEADER.encode()]
    for i in range(n):
        kind = rng.random()
        if kind < 0.1:
            out.append(f'p{i},"c{i}\nsecond line\nthird",passed,2025-01-01,0.5\n'.encode())
        elif kind < 0.15:
            out.append(f'p{i},"say ""hi""",passed,2025-01-01,1\n'.encode())
        elif kind < 0.2:
            out.append(f'p{i},17" monitor,passed,2025-01-01,\n'.encode())
        elif kind < 0.23:
            out.append(b"\n")
        elif kind < 0.25:
            out.append(b"p\xff,c,passed,2025-01-01,\n")
        elif kind < 0.27:
            out.append(
                f'p{i},"open\n\xff bad middle line\nclosed",passed,2025-01-01,\n'.encode("utf-8", "surrogateescape")
            )
        else:
            out.append(f"p{i},c{i % 7},passed,2025-01-{1 + i % 28:02d},0.{i % 10}\n".encode())
    return b"".join(out)


@pytest.mark.parametrize("seed", range(6))
def test_two_parts_read_exactly_as_the_whole_file_at_every_cut(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    path = tmp_path / "f.csv"
    data = _messy_csv(rng, 300)
    path.write_bytes(data)
    whole = _rows(path)
    header_end = data.index(HEADER.encode()) + len(HEADER)
    checked = 0
    for middle in sorted(rng.sample(range(header_end + 1, len(data) - 1), 40)):
        cut = _cut_at(path, header_end, middle)
        if cut is None or cut >= len(data):
            continue
        first_line = data[:cut].count(b"\n") + 1
        a = _rows(PartReader(FilePart(path, 0, cut, 1)))
        b = _rows(PartReader(FilePart(path, cut, len(data), first_line, header_end)))
        assert cut >= middle
        assert a + b == whole  # same rows, same line numbers, the header's own notices once (here: none)
        checked += 1
    assert checked >= 30


def _cut_at(path: Path, header_end: int, middle: int) -> int | None:
    import mmap

    with path.open("rb") as fp, mmap.mmap(fp.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return _cut(mm, header_end, middle, ",")


def test_a_value_open_at_the_middle_moves_the_cut_to_where_it_closes(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    before = "".join(f"p{i},c,passed,2025-01-01,\n" for i in range(100))  # about 2.5 kB, the value 1.6 kB
    long_value = 'p100,"' + "\n".join(f"line {i}" for i in range(200)) + '",passed,2025-01-01,\n'
    after = "".join(f"p{i},c,passed,2025-01-01,\n" for i in range(101, 150))  # the middle is inside the value
    path.write_text(HEADER + before + long_value + after)
    parts = plan_parts(path, min_bytes=0)
    assert parts is not None
    a, b = parts
    assert path.read_bytes()[: a.end].endswith(b'",passed,2025-01-01,\n')  # right after the quoted value
    assert b.first_line == 1 + 100 + 200 + 1
    assert _rows(PartReader(a)) + _rows(PartReader(b)) == _rows(path)


def test_files_that_are_small_or_never_close_a_value_are_not_cut(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(HEADER + "p1,c,passed,2025-01-01,\n" * 50)
    assert plan_parts(path) is None  # below the size limit
    path.write_text(HEADER + 'p0,"never closed\n' + "p1,c,passed,2025-01-01,\n" * 50)
    assert plan_parts(path, min_bytes=0) is None
    path.write_text('"quoted","header"\n' + "p1,c\n" * 50)
    assert plan_parts(path, min_bytes=0) is None


# -- the pipeline: split read against one reader ---------------------------------------------------------
def _exports(root: Path, *, dup: str | None = None, extra_column: bool = False) -> None:
    root.mkdir(exist_ok=True)
    (root / "people.csv").write_text("person_id,name,email\n" + "".join(f"p{i},P {i},p{i}@x.org\n" for i in range(200)))
    head = "person,course_id,status,at,score" + (",colour" if extra_column else "") + "\n"
    rows = []
    for i in range(1200):
        person = f"p{i % 230}@x.org"  # 30 people are not in the directory: unresolved in both parts
        rows.append(f"{person},c{i % 7},passed,2025-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z,0.{i % 9}")
    rows[100] = "p1@x.org,c1,passed,not-a-date,"  # a rejection in the first part
    rows[1100] = "p2@x.org,c1,unknown-status,2025-01-01,"  # and one in the second
    if dup == "identical":
        rows[1150] = rows[50]
    elif dup == "conflicting":
        rows[1150] = rows[50].rsplit(",", 1)[0] + ",0.99"
    if extra_column:
        rows = [r + ",blue" for r in rows]
    (root / "completions.csv").write_text(head + "\n".join(rows) + "\n")


def _ingest(store: SQLiteStore, src: Path, split: bool, monkeypatch: pytest.MonkeyPatch) -> pipeline.IngestRun:
    real = pipeline._Run.__init__
    part_reads: list[int] = []

    def init(self: pipeline._Run, *args: object, **kwargs: object) -> None:
        real(self, *args, **kwargs)
        self.child_min_bytes = 0
        self.split_min_bytes = 0 if split else None

    real_split = pipeline._Run._read_feed_split

    def counted(self: pipeline._Run, *args: object) -> object:
        part_reads.append(1)
        return real_split(self, *args)  # type: ignore[arg-type]

    with monkeypatch.context() as mp:
        mp.setattr(pipeline._Run, "__init__", init)
        mp.setattr(pipeline._Run, "_read_feed_split", counted)
        mp.setattr(pipeline, "BATCH", 100)
        run = pipeline.ingest_paths(store, [src])
    assert len(part_reads) == (1 if split else 0)
    return run


def _reports(run: pipeline.IngestRun) -> list[dict[str, object]]:
    return [s.to_dict() for s in run.sources]


@pytest.mark.parametrize("case", ["clean", "identical", "conflicting", "extra_column"])
def test_a_split_read_lands_the_same_graph_and_report_as_one_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    src = tmp_path / "in"
    dup = case if case in ("identical", "conflicting") else None
    _exports(src, dup=dup, extra_column=case == "extra_column")
    one, two = SQLiteStore(tmp_path / "one.db"), SQLiteStore(tmp_path / "two.db")
    run_one = _ingest(one, src, split=False, monkeypatch=monkeypatch)
    run_two = _ingest(two, src, split=True, monkeypatch=monkeypatch)
    assert one.content_hash() == two.content_hash()
    assert _reports(run_one) == _reports(run_two)
    completions = run_two.sources[1].to_dict()
    lines = [r["where"]["line"] for r in completions["rejections"]]  # type: ignore[index]
    assert 102 in lines and 1102 in lines  # file line numbers from both parts
    if case == "conflicting":
        assert 1152 in lines  # the later duplicate is the rejected one, as with one reader
    if case == "identical":
        assert any("1 identical duplicate completion(s) skipped" in n["message"] for n in completions["notices"])  # type: ignore[index]
    if case == "extra_column":
        assert sum("unknown column" in r["reason"] for r in completions["rejections"]) == 1  # type: ignore[index]

    # an edited and a removed record, read again both ways: still the same graph and report
    text = (src / "completions.csv").read_text().splitlines()
    text[10] = text[10].rsplit(",", 1)[0] + ",0.77" if case != "extra_column" else text[10]
    del text[900]
    (src / "completions.csv").write_text("\n".join(text) + "\n")
    run_one = _ingest(one, src, split=False, monkeypatch=monkeypatch)
    run_two = _ingest(two, src, split=True, monkeypatch=monkeypatch)
    assert one.content_hash() == two.content_hash()
    assert _reports(run_one) == _reports(run_two)


def test_duplicate_tables_report_the_ids_they_saw() -> None:
    from ingest.records import Where

    dups = DuplicateIds()
    assert dups.check("a", None, Where("f", line=2), "thing", content=1) is True
    assert dups.check("b", None, Where("f", line=3), "thing", content=2) is True
    assert dups.ids() == {hash("a"), hash("b")}


def test_an_error_in_one_part_stops_the_other_and_nothing_is_marked_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in"
    _exports(src)
    store = SQLiteStore(tmp_path / "s.db")
    real_flush = pipeline._Run._flush

    def broken_flush(self: pipeline._Run, feed: str, batch: list, *args: object, **kw: object) -> None:
        # a failure outside any one record's work (a record's own failure is a rejection, see test_hostile)
        if any(getattr(getattr(r, "where", None), "line", 0) == 1000 for _, _, r in batch):  # second part only
            raise pipeline.IngestError("writer exploded")
        return real_flush(self, feed, batch, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline._Run, "_flush", broken_flush)
    with pytest.raises(pipeline.IngestError, match="writer exploded"):
        _ingest(store, src, split=True, monkeypatch=monkeypatch)
    monkeypatch.setattr(pipeline._Run, "_flush", real_flush)
    run = _ingest(store, src, split=True, monkeypatch=monkeypatch)  # read again in full: it was not marked done
    assert run.sources[1].accepted + run.sources[1].unchanged == 1198 and not run.sources[1].skipped_unchanged_file
    clean = SQLiteStore(tmp_path / "clean.db")
    _ingest(clean, src, split=True, monkeypatch=monkeypatch)
    assert store.content_hash() == clean.content_hash()
