"""``whoknows networkers``, ``whoknows spread "idea" -k 10`` and ``whoknows risk``: network analytics from the CLI.

Thin layer over :mod:`graph.analytics`: open the store read-only, project people into a networkx graph, call
the pure analytics, print a readable summary or ``--json``. Opt-out and small-group hiding are applied by the
analytics themselves, so every output path honours them.
"""

from __future__ import annotations

import json
from typing import Any

import click

from whoknows.cli import open_cli_store, store_option


def _dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))


def _affinity(store: Any, idea: str) -> dict[str, float]:
    """People who know the idea's topic: ``search.ranking.find_experts`` (lexical, no model load) when it is
    available, else BM25 hits on chunks credited to their documents' authors."""
    try:
        from search.ranking import find_experts

        results = find_experts(store, None, idea, limit=200)
        return {r.node_id: float(r.score) for r in results}
    except ImportError:
        from graph.analytics.networkers import topic_affinity_from_store

        return topic_affinity_from_store(store, idea)


@click.command("networkers")
@store_option
@click.option("--top", default=15, show_default=True, help="People shown per label.")
@click.option("--seed", default=0, show_default=True, help="Seed for communities and sampled betweenness.")
@click.option("--json", "as_json", is_flag=True, help="Print every person's measures and labels as JSON.")
def networkers(store_url: str | None, top: int, seed: int, as_json: bool) -> None:
    """Internal networkers: central connectors, brokers and peripheral specialists, each with reasons."""
    from graph.analytics.networkers import networker_report
    from graph.analytics.projection import project_store
    from graph.analytics.risk import topic_expertise_from_store

    store = open_cli_store(store_url, read_only=True)
    try:
        G = project_store(store)
        per_topic = topic_expertise_from_store(store)
    finally:
        store.close()
    expertise: dict[str, float] = {}
    for scores in per_topic.values():
        for p, s in scores.items():
            expertise[p] = expertise.get(p, 0.0) + s
    rep = networker_report(G, seed=seed, expertise=expertise or None)
    if as_json:
        click.echo(_dump(rep))
        return
    m = rep["method"]
    click.echo(
        f"{m['people']} people, {m['ties']} ties; betweenness {m['betweenness']}; communities {m['communities']}; "
        f"{m['opted_out_hidden']} opted-out people not shown"
    )
    for label in ("central connector", "broker", "peripheral specialist"):
        rows = [(v, r) for v, r in rep["people"].items() if any(x["label"] == label for x in r["labels"])]
        rows.sort(key=lambda vr: -vr[1]["degree"] if label != "peripheral specialist" else -vr[1].get("expertise", 0))
        click.secho(f"\n{label}s ({len(rows)})", bold=True)
        for v, r in rows[:top]:
            click.echo(f"  {r['name']}  [{v}]  {r['department'] or ''}")
            for lab in r["labels"]:
                if lab["label"] == label:
                    for reason in lab["reasons"]:
                        click.echo(f"      {reason}")


@click.command("spread")
@click.argument("idea")
@store_option
@click.option("-k", "k", default=10, show_default=True, help="Budget: how many people to brief first.")
@click.option("--max-per-department", type=int, default=None, help="At most this many seeds per department.")
@click.option("--exclude", multiple=True, metavar="PERSON", help="Never choose this person (node id or person_id).")
@click.option("--must-include", multiple=True, metavar="PERSON", help="Always choose this person.")
@click.option("--model", type=click.Choice(["ic", "lt", "wc"]), default="ic", show_default=True,
              help="Diffusion model: independent cascade, linear threshold, weighted cascade.")  # fmt: skip
@click.option("--experts-only", is_flag=True, help="Choose seeds only among people who know the idea's topic.")
@click.option("--simulations", default=2000, show_default=True, help="Monte-Carlo cascades for expected reach.")
@click.option("--seed", default=0, show_default=True, help="Random seed (same seed, same answer).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def spread(
    idea: str,
    store_url: str | None,
    k: int,
    max_per_department: int | None,
    exclude: tuple[str, ...],
    must_include: tuple[str, ...],
    model: str,
    experts_only: bool,
    simulations: int,
    seed: int,
    as_json: bool,
) -> None:
    """Who should hear IDEA first so that it reaches most of the organisation (IMM seeds, expected reach)."""
    from graph.analytics.networkers import topic_networkers
    from graph.analytics.projection import project_store
    from graph.analytics.spread import plan_spread
    from whoknows.errors import NotFoundError

    store = open_cli_store(store_url, read_only=True)
    try:
        G = project_store(store)
        affinity = _affinity(store, idea)
    finally:
        store.close()

    def node(ref: str) -> str:
        nid = ref if ref in G else f"person:{ref}"
        if nid not in G:
            raise NotFoundError(f"no person {ref!r} in the network; give a person_id or a person:<id> node id")
        return nid

    plan = plan_spread(
        G,
        k,
        model=model,
        max_per_department=max_per_department,
        exclude=[node(x) for x in exclude],
        must_include=[node(x) for x in must_include],
        candidates=[p for p, s in affinity.items() if s > 0 and p in G] if experts_only else None,
        n_sim=simulations,
        seed=seed,
    )
    knowers = topic_networkers(G, {p: s for p, s in affinity.items() if p in G}, k=k)
    for s in plan["seeds"]:
        s["knows_topic"] = affinity.get(s["person"], 0.0) > 0
    plan["idea"] = idea
    plan["topic_networkers"] = knowers
    if as_json:
        click.echo(_dump(plan))
        return
    r = plan["expected_reach"]
    click.echo(
        f"Brief these {len(plan['seeds'])} people first; expected reach {r['mean']:.1f} of {plan['people']} people "
        f"(95% CI {r['ci95'][0]:.1f}-{r['ci95'][1]:.1f}, {r['n_sim']} simulations, {plan['method']['model']} model)"
    )
    for i, s in enumerate(plan["seeds"], start=1):
        flag = "  knows the topic" if s["knows_topic"] else ""
        click.echo(f"  {i:>2}. {s['name']}  [{s['person']}]  {s['department'] or ''}{flag}")
    click.secho("\nReach by department", bold=True)
    for g, row in sorted(plan["reach_by_department"].items(), key=lambda gr: -gr[1]["share"]):
        click.echo(f"  {g}: {row['expected_reached']:.1f} of {row['members']} ({100 * row['share']:.0f}%)")
    if plan["hidden_departments"]:
        click.echo(f"  ({plan['hidden_departments']} departments under 5 people not shown)")
    if knowers:
        click.secho("\nPeople who know the topic and bridge groups", bold=True)
        for row in knowers:
            click.echo(f"  {row['name']}  [{row['person']}]: " + "; ".join(row["reasons"]))


@click.command("risk")
@store_option
@click.option("--hops", default=2, show_default=True, help="A department is cut off when most of it is further away.")
@click.option("--curriculum", default="KM 1", show_default=True, help="Course-code prefix of the KM curriculum.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole risk report as JSON.")
def risk(store_url: str | None, hops: int, curriculum: str, as_json: bool) -> None:
    """Knowledge risk: single-expert topics, peripheral experts, cut-off departments, curriculum, communities."""
    from graph.analytics.projection import project_store
    from graph.analytics.risk import (
        community_health_from_store,
        curriculum_coverage,
        curriculum_from_store,
        risk_report,
        topic_expertise_from_store,
    )

    store = open_cli_store(store_url, read_only=True)
    try:
        G = project_store(store)
        per_topic = topic_expertise_from_store(store)
        depts, completions, courses = curriculum_from_store(store, prefix=curriculum)
        health = community_health_from_store(store)
    finally:
        store.close()
    report = risk_report(G, per_topic, hops=hops)
    report["curriculum"] = curriculum_coverage(depts, completions, courses, prefix=curriculum)
    report["communities"] = health
    if as_json:
        click.echo(_dump(report))
        return
    click.secho(f"Topics known by one person only ({len(report['single_expert_topics'])})", bold=True)
    for t in report["single_expert_topics"]:
        row = report["topics"][t]
        who = ", ".join(row["experts"]) or "an opted-out person"
        click.echo(f"  {t}: {who}")
    click.secho("\nTopics whose experts leave departments cut off", bold=True)
    for t, row in sorted(report["topics"].items()):
        if row["cut_off_departments"] and row["bus_factor"] > 0:
            click.echo(f"  {t}: {', '.join(map(str, row['cut_off_departments']))}")
    click.secho("\nPeripheral experts", bold=True)
    for t, row in sorted(report["topics"].items()):
        for p, info in row["peripheral_experts"].items():
            click.echo(f"  {t}: {p}: " + "; ".join(info["reasons"]))
    cur = report["curriculum"]
    click.secho(f"\nKM curriculum ({', '.join(cur['courses']) or 'no courses with code ' + curriculum})", bold=True)
    for g, row in sorted(cur["departments"].items(), key=lambda gr: gr[1]["completed_all"]):
        click.echo(f"  {g}: {100 * row['completed_all']:.0f}% completed all ({row['members']} people)")
    click.secho("\nCommunities of practice", bold=True)
    for _c, row in sorted(health.items(), key=lambda cr: str(cr[1]["name"])):
        probs = "; ".join(row["problems"]) or "healthy"
        click.echo(f"  {row['name']}: {row['members']} members; {probs}")
