"""Interaction reader: CSV/TSV with a header, SNAP-style edge lists, and the real org-network exports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.interactions import read_interactions
from ingest.records import InteractionRecord, PersonRef
from tests.test_read_helpers import run, run_file, shared_data

ORG = shared_data() / "org-networks"


def test_csv_fixture_refs_timestamps_weights_channels_and_self_loops() -> None:
    records, rejections, notices = run_file(read_interactions, "interactions.csv")
    assert rejections == [] and notices == []
    first, second, loop = records
    assert first == InteractionRecord(
        first.where,
        PersonRef("email", "ada@example.org"),
        PersonRef("email", "bo@example.org"),
        datetime(2026, 1, 5, 9, tzinfo=UTC),
        1.0,
        "email",
    )
    assert second.at == datetime(2026, 1, 5, 9, tzinfo=UTC) and second.weight == 2.5  # unix seconds
    assert loop.sender == loop.recipient == PersonRef("id", "u3") and loop.weight == 1.0  # self-loop kept


def test_snap_edge_list_fixture() -> None:
    records, rejections, notices = run_file(read_interactions, "edges_snap.txt")
    assert rejections == []
    assert [(r.sender.value, r.recipient.value, r.where.line) for r in records] == [
        ("0", "1", 3),
        ("2", "3", 4),
        ("2", "2", 5),
        ("5", "7", 6),
    ]
    assert records[0].sender == PersonRef("id", "0") and records[3].at == datetime(2004, 4, 15, 6, tzinfo=UTC)
    assert "edge list" in notices[0].message


def test_snap_bad_lines_are_rejected_alone() -> None:
    records, rejections, _ = run(read_interactions, "1 2\n3\n4 5 6 7\n8 9 soon\n10 11\n", "e.txt")
    assert [(r.sender.value, r.recipient.value) for r in records] == [("1", "2"), ("10", "11")]
    assert [(r.where.line, r.field) for r in rejections] == [(2, None), (3, None), (4, "timestamp")]
    assert "u v" in rejections[0].expected or "sender recipient" in rejections[0].expected


def test_aliases_from_to_and_bad_values() -> None:
    data = "From,To,Date,Count\na@x.org,b@x.org,2026-01-01,3\na@x.org,,2026-01-01,1\na@x.org,b@x.org,yesterday,1\n"
    data += "a@x.org,b@x.org,,0\na@x.org,b@x.org,,-2\na@x.org,b@x.org,,many\na@x.org,b@x.org\n"
    records, rejections, _ = run(read_interactions, data, "mail.csv")
    assert [(r.sender.value, r.weight) for r in records] == [("a@x.org", 3.0)]
    assert [(r.field, r.where.line) for r in rejections] == [
        ("recipient", 3),
        ("timestamp", 4),
        ("weight", 5),
        ("weight", 6),
        ("weight", 7),
        (None, 8),
    ]
    assert "positive" in rejections[2].expected and "unix seconds" in rejections[1].expected


def test_empty_unrecognised_and_header_only_files() -> None:
    _, rejections, _ = run(read_interactions, b"# only a comment\n\n", "e.txt")
    assert len(rejections) == 1 and rejections[0].fatal and "empty" in rejections[0].reason
    _, rejections, _ = run(read_interactions, "who,whom\nann,bo\n", "e.csv")
    assert (
        rejections[0].fatal and rejections[0].field == "sender, recipient" and "source/target" in rejections[0].expected
    )
    _, rejections, _ = run(read_interactions, "sender,recipient\n", "e.csv")
    assert len(rejections) == 1 and not rejections[0].fatal


def test_latin1_line_is_rejected_and_the_rest_lands() -> None:
    data = b"sender,recipient\nann,bo\n" + "jos\xe9,bo\n".encode("latin-1") + b"cy,bo\n"
    records, rejections, _ = run(read_interactions, data, "e.csv")
    assert [r.sender.value for r in records] == ["ann", "cy"] and rejections[0].where.line == 3


def _real(name: str) -> list:
    path = ORG / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    return [path]


@pytest.mark.parametrize(
    "rel",
    [
        "arenas_urv_email/arenas_email.edges.tsv",
        "davis_southern_women/southern_women.edges.tsv",
        "krackhardt_hightech/ht_advice.edges.tsv",
        "krackhardt_hightech/ht_friends.edges.tsv",
        "krackhardt_hightech/ht_reports.edges.tsv",
        "radoslaw_manufacturing_email/radoslaw_email.edges.tsv",
        "enron_igraphdata/enron.edges.tsv",
    ],
)
def test_real_edges_tsv_files_load_without_rejections(rel: str) -> None:
    (path,) = _real(rel)
    data = path.read_bytes()
    records, rejections, notices = run(read_interactions, data, rel)
    assert rejections == []
    assert len(records) == data.count(b"\n") - 1  # every line after the header is one interaction
    header = data.split(b"\n", 1)[0].decode().split("\t")
    if "weight" in header:
        assert any(r.weight > 1 for r in records)
    if "Time" in header:  # enron: timestamps kept, the unused attribute columns named once
        assert all(r.at is not None for r in records)
        assert "Reciptype, Topic, LDC_topic" in notices[0].message


def test_real_snap_email_eu_core_loads() -> None:
    (path,) = _real("email_eu_core/email-Eu-core.txt")
    records, rejections, _ = run(read_interactions, path.read_bytes(), "email-Eu-core.txt")
    assert rejections == [] and len(records) == 25571
    assert records[0].sender == PersonRef("id", "0") and records[0].recipient == PersonRef("id", "1")
    assert any(r.sender == r.recipient for r in records)  # self-loops are in the data and kept
