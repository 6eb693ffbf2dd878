"""``whoknows networkers``, ``whoknows spread "idea" -k 10`` and ``whoknows risk``: network analytics from the CLI.

Thin layer over :mod:`graph.analytics`: open the store read-only, project people into a networkx graph, call
the pure analytics, print a readable summary or ``--json``. Opt-out and small-group hiding are applied by the
analytics themselves, so every output path honours them.
"""

from __future__ import annotations

import json
from typing import Any

import click

from whoknows.commands.options import open_cli_store, store_option


def _bounded_simulations(ctx: click.Context, param: click.Parameter, value: int) -> int:
    """``--simulations`` within 1 and the ``simulations`` limit (ingest/limits.py): a billion cascades is hours
    of work that no answer needs (the 95% interval narrows with the square root of the count)."""
    from ingest.limits import current

    cap = current().simulations
    if not 1 <= value <= cap:
        raise click.BadParameter(f"{value:,} is outside 1..{cap:,}; {current().hint('simulations', flag=False)}")
    return value


def _dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))


@click.command("networkers")
@store_option
@click.option("--top", default=15, show_default=True, help="People shown per label.")
@click.option("--seed", default=0, show_default=True, help="Seed for communities and sampled betweenness.")
@click.option("--json", "as_json", is_flag=True, help="Print every person's measures and labels as JSON.")
def networkers(store_url: str | None, top: int, seed: int, as_json: bool) -> None:
    """Internal networkers: central connectors, brokers, boundary spanners and peripheral specialists, each with
    the reasons in words."""
    import sys

    from graph.analytics.communities import communities as detect_communities
    from graph.analytics.knowers import load_embedder, no_evidence, topic_experts
    from graph.analytics.maps import community_names
    from graph.analytics.networkers import LABELS, networker_report
    from graph.analytics.projection import project_store, require_network
    from graph.analytics.risk_summary import topics_by_person
    from graph.analytics.server import server_measures

    tty = sys.stderr.isatty()

    def topics(done: int, total: int, _name: str) -> None:
        if tty and (done == total or done % 10 == 0):
            click.echo(f"... who knows each topic: {done} of {total}", err=True)

    store = open_cli_store(store_url, read_only=True)
    try:
        G = project_store(store)
        require_network(G)
        # the same "knows about" as the risk page's peripheral specialists: strong matches per topic
        expertise = topics_by_person(topic_experts(store, embedder=load_embedder(), progress=topics))
        gap = no_evidence(store)
        in_server = server_measures(G, store)  # Neo4j with Graph Data Science: communities and betweenness there
    finally:
        store.close()
    if in_server is None:
        comm = detect_communities(G, weight="weight", seed=seed, method="auto")
        rep = networker_report(G, seed=seed, expertise=expertise or None, communities=comm,
                               community_names=community_names(G, comm))  # fmt: skip
        rep["method"]["communities"] = f"auto, seed {seed}"
    else:
        rep = networker_report(
            G,
            seed=seed,
            expertise=expertise or None,
            communities=in_server.community,
            community_names=community_names(G, in_server.community),
            betweenness=in_server.betweenness,
            computed_by=in_server.computed_by,
        )
    if as_json:
        click.echo(_dump(rep))
        return
    m = rep["method"]
    click.echo(
        f"{m['people']} people, {m['ties']} ties; betweenness {m['betweenness']}; communities {m['communities']}; "
        f"{m['opted_out_hidden']} opted-out people not shown"
    )
    order = {
        "central connector": lambda r: -r["degree"],
        "broker": lambda r: -r["betweenness"],
        "boundary spanner": lambda r: -sum(v for k, v in r["brokerage_departments"].items() if k != "coordinator"),
        "peripheral specialist": lambda r: -r.get("expertise", 0.0),
    }
    for label in LABELS:
        rows = [(v, r) for v, r in rep["people"].items() if any(x["label"] == label for x in r["labels"])]
        rows.sort(key=lambda vr: (order[label](vr[1]), str(vr[0])))
        click.secho(f"\n{label}s ({len(rows)})", bold=True)
        if not rows:
            why = EMPTY_LABEL[label] if label != "peripheral specialist" or expertise else NO_TOPICS
            click.echo(f"  none: {f'{gap}: nobody can be a specialist' if gap and not expertise else why}")
        for v, r in rows[:top]:
            click.echo(f"  {r['name']}  [{v}]  {r['department'] or 'no department'}")
            for lab in r["labels"]:
                if lab["label"] == label:
                    for reason in lab["reasons"]:
                        click.echo(f"      {reason}")


#: how many partner departments `whoknows map` prints per department (strongest first; --json has the matrix):
#: a whole row of a 35-department organisation is a paragraph nobody reads
MAP_PARTNERS = 6


@click.command("map")
@store_option
@click.option("--seed", default=0, show_default=True, help="Seed of the first community detection run.")
@click.option("--runs", type=int, default=None,
              help="Community detection runs for the stability figures [default: 5; 3 from 2,000 people].")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the map figures as JSON (positions left out).")
def map_(store_url: str | None, seed: int, runs: int | None, as_json: bool) -> None:
    """The network map in figures and words: the silo verdict and its reason, communities named by what dominates
    them and their stability, E-I per department, the department tie matrix, the top brokers."""
    from graph.analytics.maps import map_with_networkers
    from graph.analytics.projection import project_store, require_network

    if runs is not None and runs < 1:
        raise click.BadParameter("--runs must be at least 1")
    store = open_cli_store(store_url, read_only=True)
    try:
        G = project_store(store)
    finally:
        store.close()
    require_network(G)
    _, data = map_with_networkers(G, seed=seed, runs=runs)
    data.pop("points")
    if as_json:
        click.echo(_dump(data))
        return
    _print_map(data)


def _print_map(data: dict[str, Any]) -> None:
    comm, hidden = data["communities"], data["hidden"]
    click.secho(data["silos"]["sentence"], bold=True)
    stab = comm["stability"] or {}
    click.secho(f"\nCommunities ({comm['count']} found, {comm['shown']} with 5 or more people)", bold=True)
    if stab:
        click.echo(
            f"  NMI against departments {stab['nmi_mean']:.2f} (range {stab['nmi_min']:.2f}-{stab['nmi_max']:.2f} "
            f"over {stab['runs']} runs; the runs agree with each other at {stab['agreement_between_runs']:.2f}); "
            f"modularity {comm['modularity']:.2f}"
        )
    for row in comm["named"].values():
        click.echo(f"  {row['name']} ({row['size']} people): {row['description']}")
    if hidden["communities"]:
        click.echo(f"  ({hidden['communities']} communities under 5 people not listed)")
    click.secho("\nE-I per department (by tie strength; by ties; if ties ignored departments)", bold=True)
    for g, r in sorted(data["ei_index"].items(), key=lambda gr: gr[1].get("ei_strength", 0.0)):
        mark = "  silo" if g in data["silos"]["silos"] else ""
        click.echo(
            f"  {g} ({r['members']} people): {r['ei_strength']:+.2f}; {r['ei']:+.2f}; {r['ei_expected']:+.2f}{mark}"
        )
    strength, ties = data["department_strength"], data["department_ties"]
    if strength["groups"]:
        click.secho(
            f"\nTie strength between departments (ties in brackets; each department's {MAP_PARTNERS} strongest)",
            bold=True,
        )
        for g, row, counts in zip(strength["groups"], strength["matrix"], ties["matrix"], strict=True):
            cells = sorted(
                ((h, v, c) for h, v, c in zip(strength["groups"], row, counts, strict=True) if c),
                key=lambda hvc: (-hvc[1], str(hvc[0])),
            )
            shown = ", ".join(f"{h}: {v:.1f} ({int(c)})" for h, v, c in cells[:MAP_PARTNERS])
            more = f"; {len(cells) - MAP_PARTNERS} more (--json for all)" if len(cells) > MAP_PARTNERS else ""
            click.echo(f"  {g} -> {shown or 'no ties'}{more}")
    if hidden["departments"]:
        click.echo(f"  (not shown: {', '.join(hidden['departments'])}; {hidden['rule']})")
    click.secho("\nTop brokers", bold=True)
    for b in data["brokers"] or []:
        click.echo(f"  {b['name']}  [{b['person']}]  {b['department'] or 'no department'}: {', '.join(b['labels'])}")
        click.echo(f"      {b['why']}")
    if not data["brokers"]:
        click.echo("  none: nobody links communities or departments enough to be labelled broker or boundary spanner")


EMPTY_LABEL = {
    "central connector": "nobody has at least 3 ties and more ties than 90% of people",
    "broker": "nobody links two or more communities with high betweenness or brokerage",
    "boundary spanner": "nobody has a quarter of their ties in other departments with low constraint",
    "peripheral specialist": "nobody who knows a topic has fewer ties than 75% of people",
}
NO_TOPICS = "nobody is a strong match on any topic of the store, so nobody can be a specialist"


MODEL_WORDS = {"wc": "weighted cascade", "ic": "independent cascade", "lt": "linear threshold"}


@click.command("spread")
@click.argument("idea")
@store_option
@click.option("-k", "k", default=10, show_default=True, help="Budget: how many people to brief first.")
@click.option("--max-per-department", type=int, default=None, help="At most this many seeds per department.")
@click.option("--exclude", multiple=True, metavar="PERSON", help="Never choose this person (node id or person_id).")
@click.option("--must-include", multiple=True, metavar="PERSON", help="Always choose this person.")
@click.option("--model", type=click.Choice(["wc", "ic", "lt"]), default="wc", show_default=True,
              help="Diffusion model: weighted cascade (each person's chances sum to 1), independent cascade "
                   "(each unit of tie strength a p0 chance), linear threshold.")  # fmt: skip
@click.option("--p0", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Independent cascade only: the chance one unit of tie strength passes the idea on "
                   "[default 0.1].")  # fmt: skip
@click.option("--experts-only", is_flag=True, help="Choose seeds only among people who know about the idea.")
@click.option("--anyone", is_flag=True, help="Ignore the idea text: choose seeds from everyone by network position.")
@click.option("--simulations", default=2000, show_default=True, callback=_bounded_simulations,
              help="Monte-Carlo cascades for expected reach (at most the 'simulations' limit).")  # fmt: skip
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
    p0: float | None,
    experts_only: bool,
    anyone: bool,
    simulations: int,
    seed: int,
    as_json: bool,
) -> None:
    """Who should hear IDEA first so that it reaches most of the organisation: seeds (IMM), their expected reach
    beside k random and the k best-connected people, and each seed's added reach."""
    from graph.analytics.knowers import idea_knowers, load_embedder, no_evidence
    from graph.analytics.networkers import topic_networkers
    from graph.analytics.projection import project_store, require_network
    from graph.analytics.spread_plan import plan_spread
    from whoknows.errors import NotFoundError

    if p0 is not None and model != "ic":
        raise click.BadParameter(f"--p0 applies to the independent cascade model only (--model ic), not {model}")
    if experts_only and anyone:
        raise click.BadParameter("--experts-only and --anyone contradict each other; give one")
    store = open_cli_store(store_url, read_only=True)
    try:
        G = project_store(store)
        require_network(G)
        knowers = {} if anyone else {r.person: r.score for r in idea_knowers(store, idea, embedder=load_embedder())}
        note = no_evidence(store)
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
        p0=0.1 if p0 is None else p0,
        max_per_department=max_per_department,
        exclude=[node(x) for x in exclude],
        must_include=[node(x) for x in must_include],
        knowers=knowers,
        knowers_mode="ignore" if anyone else "only" if experts_only else "prefer",
        knowers_note=note,
        n_sim=simulations,
        seed=seed,
    )
    plan["idea"] = idea
    plan["topic_networkers"] = topic_networkers(G, {p: s for p, s in knowers.items() if p in G}, k=k)
    if as_json:
        click.echo(_dump(plan))
        return
    _print_plan(plan)


def _print_plan(plan: dict[str, Any]) -> None:
    n, got = plan["people"], len(plan["seeds"])
    r = plan["expected_reach"]
    m = plan["method"]
    click.secho(f"Brief these {got} people first ({MODEL_WORDS[m['model']]} model)", bold=True)
    for i, s in enumerate(plan["seeds"], start=1):
        flag = "  knows about the idea" if s["knows_idea"] else ""
        click.echo(
            f"  {i:>2}. {s['name']}  [{s['person']}]  {s['department'] or 'no department'}; "
            f"adds {s['added_reach']:.1f} people{flag}"
        )
    for w in plan["warnings"]:
        click.secho(f"warning: {w}", fg="yellow")
    b = plan["baselines"]
    rnd, top = b["random"], b["best_connected"]
    click.secho("\nExpected reach, side by side", bold=True)
    click.echo(
        f"  these {got} people:            {r['mean']:.1f} of {n} ({r['mean'] / n:.0%}); 95% interval "
        f"{r['ci95'][0]:.1f}-{r['ci95'][1]:.1f}"
    )
    click.echo(
        f"  {got} people picked at random: {rnd['mean']:.1f} ({rnd['mean'] / n:.0%}); {rnd['sets']} random sets "
        f"reached {rnd['range'][0]:.1f}-{rnd['range'][1]:.1f}"
    )
    click.echo(f"  the {got} best-connected:      {top['mean']:.1f} ({top['mean'] / n:.0%})")
    if top.get("rule"):
        click.echo(f"  (random and best-connected people: {top['rule']})")
    if "anyone" in b:
        click.echo(f"  {got} chosen from everyone:    about {b['anyone']['mean']:.1f} ({b['anyone']['mean'] / n:.0%})")
    if plan["lift_vs_random"] is not None:
        vs_top = plan["lift_vs_best_connected"]
        click.echo(
            f"  the chosen people reach {plan['lift_vs_random']:.2f}x what random people reach"
            + (f" and {vs_top:.2f}x what the best-connected reach" if vs_top is not None else "")
        )
    click.echo(f"\n{plan['knowers']['sentence']}")
    click.secho("\nReach by department", bold=True)
    for g, row in sorted(plan["reach_by_department"].items(), key=lambda gr: -gr[1]["share"]):
        click.echo(f"  {g}: {row['expected_reached']:.1f} of {row['members']} ({100 * row['share']:.0f}%)")
    if plan["hidden_departments"]:
        names = ", ".join(plan["hidden_department_names"])
        click.echo(
            f"  ({plan['hidden_departments']} department(s) with fewer than 5 people not shown, so that no figure "
            f"describes a handful of people: {names})"
        )
    if plan["topic_networkers"]:
        click.secho("\nPeople who know about the idea and bridge groups", bold=True)
        for row in plan["topic_networkers"]:
            click.echo(f"  {row['name']}  [{row['person']}]: " + "; ".join(row["reasons"]))
    click.echo(
        f"\nAssumption: an idea passes along a tie with probability {m['edge_probabilities']}; "
        f"{r['n_sim']} simulated cascades; {m['interval']}. Seeds by {m['selection']}; {m['added_reach']}."
    )


@click.command("risk")
@store_option
@click.option("--hops", default=2, show_default=True,
              help="Far from a topic's only expert: most of a department more working ties away.")  # fmt: skip
@click.option("--curriculum", default=None, metavar="PREFIX",
              help="Course-code prefix of the curriculum [default: the KM 10x courses, KM 100 to KM 109].")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the whole risk report as JSON.")
def risk(store_url: str | None, hops: int, curriculum: str | None, as_json: bool) -> None:
    """Knowledge risk: topics only one person knows about, peripheral specialists, departments and communities
    whose ties run through one or two people, KM curriculum by department, communities of practice."""
    import sys

    from graph.analytics.knowers import load_embedder
    from graph.analytics.risk_summary import risk_from_store

    tty = sys.stderr.isatty()

    def say(msg: str) -> None:
        if tty:
            click.echo(f"... {msg}", err=True)

    def topics(done: int, total: int, _name: str) -> None:
        if tty and (done == total or done % 10 == 0):
            click.echo(f"... topics {done} of {total}", err=True)

    store = open_cli_store(store_url, read_only=True)
    try:
        say("loading the embedding model")
        emb = load_embedder()
        report = risk_from_store(
            store, embedder=emb, hops=hops, curriculum_prefix=curriculum, progress=say, topic_progress=topics
        )
    finally:
        store.close()
    if as_json:
        click.echo(_dump(report))
        return
    _print_risk(report)


def _person(row: dict[str, Any]) -> str:
    return f"{row['name']} [{row['person']}]" if row.get("person") else str(row["name"])


def _print_risk(report: dict[str, Any]) -> None:
    why = report["why_empty"]
    single = report["single_experts"]
    click.secho(f"Topics only one person knows about ({len(single)})", bold=True)
    for row in single:
        far = row["far_departments"]
        click.echo(
            f"  {row['topic']}: {_person(row)}, {row['department'] or 'no department'}"
            + (f"; far from them: {', '.join(far)}" if far else "")
        )
    if not single:
        click.echo(f"  none: {why['single_expert_topics']}")
    nobody = report["topics_without_expert"]
    if nobody:
        more = "..." if len(nobody) > 8 else ""
        topics = "topic" if len(nobody) == 1 else "topics"
        listed = ", ".join(nobody[:8]) + more
        click.echo(f"  ({len(nobody)} {topics} with no strong match in anyone's evidence: {listed})")
    click.secho(f"\nPeripheral specialists ({len(report['peripheral_specialists'])})", bold=True)
    for p, row in sorted(report["peripheral_specialists"].items(), key=lambda pr: str(pr[1]["name"])):
        click.echo(f"  {row['name']} [{p}], {row['department'] or 'no department'}: " + "; ".join(row["reasons"]))
    if not report["peripheral_specialists"]:
        click.echo(f"  none: {why['peripheral_specialists']}")
    click.secho("\nDepartments whose ties to the rest run through one or two people", bold=True)
    net = report["network_risk"]
    for row in net["departments"]["at_risk"]:
        click.echo(f"  {row['name']} ({row['members']} people): {row['sentence']}")
    if not net["departments"]["at_risk"]:
        click.echo(f"  none: {why['network_risk']}")
    if net["communities"] is not None:
        click.secho("\nCommunities (as on the map) whose ties run through one or two people", bold=True)
        for row in net["communities"]["at_risk"]:
            click.echo(f"  {row['name']} ({row['members']} people): {row['sentence']}")
        if not net["communities"]["at_risk"]:
            click.echo(f"  none: {why.get('community_network_risk', 'no community is flagged')}")
    cur = report["curriculum"]
    click.secho(f"\nKM curriculum ({', '.join(c['code'] for c in cur['courses']) or cur['describes']})", bold=True)
    if not cur["courses"]:
        click.echo(f"  none: {why['curriculum']}")
    else:
        t = cur["total"]
        click.echo(
            f"  all departments: {100 * t['all_done'] / max(t['people'], 1):.0f}% of {t['people']} active people "
            "completed every course"
        )
        for d in cur["departments"]:
            click.echo(f"  {d['department']}: {100 * d['all_done'] / max(d['people'], 1):.0f}% of {d['people']}")
        click.echo("  (departments under 5 people are combined, so that no figure describes a handful of people)")
    click.secho("\nCommunities of practice", bold=True)
    for _c, row in sorted(report["communities"].items(), key=lambda cr: str(cr[1]["name"])):
        probs = "; ".join(row["problems"]) or "healthy"
        click.echo(f"  {row['name']}: {row['members']} members; {probs}")
    if not report["communities"]:
        click.echo(f"  none: {why['communities']}")
