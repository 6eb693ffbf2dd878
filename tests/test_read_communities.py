"""Communities readers: memberships CSV, communities CSV and SCIM 2.0 Groups (RFC 7643 example plus our extension)."""

from __future__ import annotations

import json
from datetime import date

from ingest.communities import WHOKNOWS_GROUP_SCHEMA, read_communities_csv, read_memberships_csv, read_scim_groups
from ingest.records import CommunityRecord, MembershipRecord, PersonRef
from tests.test_read_helpers import run, run_file

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _group(gid: str, name: str, members: list[str], **ext: object) -> dict:
    res: dict = {"schemas": [GROUP], "id": gid, "displayName": name, "members": [{"value": m} for m in members]}
    if ext:
        res[WHOKNOWS_GROUP_SCHEMA] = ext
    return res


def test_memberships_csv_fixture() -> None:
    records, rejections, _ = run_file(read_memberships_csv, "memberships.csv")
    assert rejections == []
    ada, cy, bo = records
    assert (ada.person, ada.community_id, ada.community_name, ada.role, ada.since) == (
        PersonRef("email", "ada@example.org"),
        "contract-management",
        "Contract Management",
        "leader",
        date(2024, 5, 1),
    )
    assert cy.role == "member" and bo.role == "sme" and bo.community_id == "cloud-ops" and bo.since is None


def test_memberships_csv_bad_role_date_and_empty_cells() -> None:
    data = (
        "person,community,role,since\n"
        "u1,KM,champion,\n"
        "u1,KM,member,May 2024\n"
        ",KM,member,\n"
        "u1,,member,\n"
        "u1,KM,Leader,2024-05-01T10:00:00Z\n"
    )
    records, rejections, _ = run(read_memberships_csv, data)
    assert [(r.role, r.since) for r in records] == [("leader", date(2024, 5, 1))]
    assert [(r.field, r.where.line) for r in rejections] == [("role", 2), ("since", 3), ("person", 4), ("community", 5)]
    assert "member, leader, facilitator, sme" in rejections[0].expected and "champion" in rejections[0].reason
    assert "2026-01-10" in rejections[1].expected


def test_memberships_csv_duplicates_and_missing_columns() -> None:
    data = "person,community,role,since\nu1,KM,member,2024-01-01\nu1,KM,member,2024-01-01\nu1,KM,member,2025-01-01\n"
    records, rejections, notices = run(read_memberships_csv, data)
    assert len(records) == 1 and len(rejections) == 1 and "line 2" in rejections[0].reason
    assert notices
    _, rejections, _ = run(read_memberships_csv, "person,community\nu1,KM\n")
    assert rejections[0].fatal and rejections[0].field == "role"


def test_communities_csv_fixture_and_default_id() -> None:
    records, rejections, _ = run_file(read_communities_csv, "communities.csv")
    assert rejections == []
    cm, ops = records
    assert cm.community_id == "contract-management" and cm.topics == ("contract negotiation", "utilities")
    assert ops == CommunityRecord(ops.where, "cloud-ops", "Cloud Operations", "", ("kubernetes", "incident response"))


def test_communities_csv_bad_cases() -> None:
    data = "name,description\nKM,one\n,nameless\nKM,other description\n"
    records, rejections, _ = run(read_communities_csv, data)
    assert [r.description for r in records] == ["one"]
    assert [r.field for r in rejections] == ["name", "community_id"]
    _, rejections, _ = run(read_communities_csv, b"\n\n")
    assert rejections[0].fatal


def test_scim_groups_fixture_roles_from_our_extension() -> None:
    records, rejections, _ = run_file(read_scim_groups, "scim_groups.json")
    assert rejections == []
    guides = records[0]
    assert isinstance(guides, CommunityRecord) and guides.name == "Tour Guides"
    assert guides.topics == ("visitor safety", "route planning") and guides.description.startswith("Guides")
    roles = {
        (m.person.value, m.role)
        for m in records
        if isinstance(m, MembershipRecord) and m.community_id == guides.community_id
    }
    assert roles == {
        ("2819c223-7f76-453a-919d-413861904646", "leader"),  # member promoted, not listed twice
        ("902c246b-6245-4190-8e05-00816be7344a", "member"),
        ("26118915-6090-4610-87e4-49d8ca9f808d", "sme"),  # not a member: added by the sme list
    }
    assert [type(r).__name__ for r in records[4:]] == ["CommunityRecord", "MembershipRecord"]
    assert records[4].where.line == 35 and records[5].community_name == "Contract Management"


def test_scim_groups_ndjson_with_several_roles_and_bad_members() -> None:
    g1 = _group("g1", "KM", ["u1", "u2"], leaders=["u1"], facilitators=[{"value": "u1"}], smes=[42], topics="a; b")
    g1["members"].append({"value": "g9", "type": "Group"})
    g1["members"].append({"display": "no value"})
    g2 = {"schemas": [GROUP], "id": "g2"}
    records, rejections, _ = run(read_scim_groups, json.dumps(g1) + "\n" + json.dumps(g2) + "\n", "groups.ndjson")
    community, *members = records
    assert community.topics == ("a", "b")
    assert [(m.person.value, m.role) for m in members] == [("u1", "leader"), ("u1", "facilitator"), ("u2", "member")]
    fields = [r.field for r in rejections]
    assert fields == ["members[2]", "members[3].value", f"{WHOKNOWS_GROUP_SCHEMA}:smes", "displayName"]
    assert rejections[-1].where.line == 2 and "nested group" in rejections[0].reason


def test_scim_groups_duplicate_group_with_other_members_is_rejected() -> None:
    data = json.dumps([_group("g1", "KM", ["u1"]), _group("g1", "KM", ["u1"]), _group("g1", "KM", ["u2"])], indent=1)
    records, rejections, notices = run(read_scim_groups, data, "groups.json")
    assert [type(r).__name__ for r in records] == ["CommunityRecord", "MembershipRecord"]
    assert len(rejections) == 1 and rejections[0].field == "group id" and "record" not in rejections[0].reason
    assert notices


def test_scim_groups_truncated_and_user_resource() -> None:
    user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1", "userName": "ada"}
    records, rejections, _ = run(read_scim_groups, json.dumps({"Resources": [user]}), "groups.json")
    assert records == [] and rejections[0].field == "schemas"
    records, rejections, _ = run(
        read_scim_groups, '{"Resources": [{"id": "g1", "displayName": "KM"}, {"id": ', "g.json"
    )
    assert [r.community_id for r in records] == ["g1"] and rejections[0].fatal
