"""No input makes a reader raise: damaged copies of every fixture give records or rejections, nothing else."""

from __future__ import annotations

import io
import random

import pytest

from ingest import communities, interactions, learning, people
from ingest.records import Record
from ingest.report import Rejection
from tests.test_read_helpers import FIXTURES

READERS = [
    (people.read_scim_users, "scim_users_list.json"),
    (people.read_scim_users, "scim_users.ndjson"),
    (people.read_people_csv, "people.csv"),
    (learning.read_xapi, "xapi_statement_result.json"),
    (learning.read_xapi, "xapi_statements.ndjson"),
    (learning.read_courses_csv, "courses.csv"),
    (learning.read_completions_csv, "completions.csv"),
    (communities.read_scim_groups, "scim_groups.json"),
    (communities.read_memberships_csv, "memberships.csv"),
    (communities.read_communities_csv, "communities.csv"),
    (interactions.read_interactions, "interactions.csv"),
    (interactions.read_interactions, "edges_snap.txt"),
]
NOISE = [b'"', b",", b"\n", b"{", b"}", b"[", b"]", b"\xe9", b"\xff", b"\t", b":", b"0", b"null", b"\\"]


def _damaged(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        pos = rng.randrange(len(out) + 1)
        action = rng.random()
        if action < 0.3:
            del out[pos:]
        elif action < 0.6:
            out[pos:pos] = rng.choice(NOISE)
        else:
            del out[pos : pos + rng.randint(1, 20)]
    return bytes(out)


@pytest.mark.parametrize(("reader", "fixture"), READERS, ids=[f"{r.__name__}-{f}" for r, f in READERS])
def test_damaged_inputs_never_raise(reader, fixture: str) -> None:
    data = (FIXTURES / fixture).read_bytes()
    rng = random.Random(fixture)
    for _ in range(200):
        broken = _damaged(data, rng)
        items = list(reader(io.BytesIO(broken), fixture, notices=[]))
        assert all(isinstance(i, Rejection | Record) for i in items)
        fatal = [i for i in items if isinstance(i, Rejection) and i.fatal]
        assert len(fatal) <= 1 and (not fatal or items[-1] is fatal[0])  # a fatal rejection is the last word
