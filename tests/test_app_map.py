"""The network map's view model (ECharts options, click to person) and the cache of network measures
(whoknows/webapp/precompute.py): same results as the library, computed once per network version, kept on disk."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from graph.analytics.maps import map_with_networkers
from graph.analytics.networkers import networker_report
from whoknows.errors import ConfigError
from whoknows.webapp import settings
from whoknows.webapp.netmap import (
    AXIS,
    PLOT_LEFT,
    PLOT_PX,
    PLOT_TOP,
    check_renderer,
    ei_option,
    map_option,
    marker_pixel,
    selected_person,
    tie_matrix_option,
)
from whoknows.webapp.precompute import AnalyticsCache, same, version_key


def small_org() -> tuple[nx.Graph, dict[str, tuple[float, float]]]:
    """Six people in A (one opted out), three in B (too few to show), ties of known strength."""
    G = nx.Graph()
    for i in range(6):
        G.add_node(f"person:{i}", name=f"P{i}", title="Analyst", department="A")
    G.add_node("person:9", name="Hidden", department="A", opted_out=True)
    for i in range(3):
        G.add_node(f"person:b{i}", name=f"B{i}", department="B")
    G.add_edge("person:0", "person:1", weight=3.0)
    G.add_edge("person:1", "person:2", weight=1.0)
    G.add_edge("person:2", "person:3", weight=2.0)
    G.add_edge("person:3", "person:9", weight=5.0)
    G.add_edge("person:0", "person:b0", weight=5.0)
    pos = {v: (i / 10 - 0.5 + 1e-7, 0.123456789 * (i % 3)) for i, v in enumerate(G)}
    return G, pos


def test_map_draws_visible_people_in_large_enough_groups() -> None:
    G, pos = small_org()
    dept = nx.get_node_attributes(G, "department")
    view = map_option(G, pos, dept, size_by={"person:1": 4.0, "person:2": 1.0}, min_group=5)
    s = view.stats
    assert (s.drawn, s.hidden_people, s.hidden_groups) == (6, 4, 1)  # the opted out and group B are not drawn
    assert (s.edges_drawn, s.edges_total) == (3, 3)  # only ties between drawn people
    ties, markers = view.option["series"][0], view.option["series"][1:]
    assert ties["type"] == "line" and ties["silent"] and len(ties["data"]) == 3 * 3
    assert all(p is None for p in ties["data"][2::3])  # one break after every tie
    assert [m["name"] for m in markers] == ["A (6)"] and view.people[0] == []
    rows = {pid: row for pid, row in zip(view.people[1], markers[0]["data"], strict=True)}
    assert rows["person:1"][2] == 1.0 and rows["person:2"][2] == 0.5 and rows["person:0"][2] == 0.0  # sqrt scale
    assert rows["person:1"][3:] == ["P1", "Analyst"]
    assert rows["person:1"][1] == round(pos["person:1"][1], 4)  # 4 decimals is 0.07 px on the map
    json.dumps(view.option, allow_nan=False)  # st.echarts_chart takes plain JSON only


def test_map_thins_ties_to_the_strongest() -> None:
    G, pos = small_org()
    view = map_option(G, pos, nx.get_node_attributes(G, "department"), min_group=5, max_edges=1)
    assert (view.stats.edges_drawn, view.stats.edges_total) == (1, 3)
    a, b = view.option["series"][0]["data"][:2]
    assert {tuple(a), tuple(b)} == {tuple(round(c, 4) for c in pos[v]) for v in ("person:0", "person:1")}


def test_click_resolves_series_and_index_to_the_person() -> None:
    G, pos = small_org()
    view = map_option(G, pos, {v: "A" if v.startswith("person:b") else "C" for v in G}, min_group=3)
    first, second = view.people[1], view.people[2]

    def event(series: int, *idx: int) -> dict:
        return {"selection": {"selected": [{"series_index": series, "data_indices": list(idx)}], "areas": []}}

    assert selected_person(event(1, 2), view.people) == first[2]
    assert selected_person(event(2, 0), view.people) == second[0]
    assert selected_person(event(0, 1), view.people) is None  # the ties carry nobody
    assert selected_person(event(1, 99), view.people) is None
    assert selected_person(event(7, 0), view.people) is None
    assert selected_person({"selection": {"selected": [], "areas": []}}, view.people) is None
    assert selected_person(None, view.people) is None


def test_marker_pixel_maps_the_axis_corners_to_the_plot_square() -> None:
    assert marker_pixel(-AXIS, AXIS) == (PLOT_LEFT, PLOT_TOP)
    assert marker_pixel(AXIS, -AXIS) == (PLOT_LEFT + PLOT_PX, PLOT_TOP + PLOT_PX)
    assert marker_pixel(0.0, 0.0) == (PLOT_LEFT + PLOT_PX / 2, PLOT_TOP + PLOT_PX / 2)


def test_renderer_choice_says_what_is_valid() -> None:
    assert check_renderer("svg") == "svg"
    with pytest.raises(ConfigError, match="canvas, svg"):
        check_renderer("webgl")


def test_tie_matrix_and_ei_options() -> None:
    heat = tie_matrix_option(["A", "B"], [[4.0, 1.0], [1.0, 0.0]])
    assert heat["series"][0]["data"] == [["A", "A", 4.0], ["B", "A", 1.0], ["A", "B", 1.0], ["B", "B", 0.0]]
    assert heat["visualMap"]["max"] == 4.0 and heat["yAxis"]["inverse"]
    assert heat["series"][0]["label"]["show"]  # the number is written in every cell
    strength = tie_matrix_option(["A", "B"], [[4.25, 0.5], [0.5, 0.0]], [[9, 3], [3, 0]], unit="tie strength")
    assert strength["series"][0]["data"][1] == ["B", "A", 0.5, 3]
    assert strength["tooltip"]["formatter"] == "{@[1]} – {@[0]}: {@[2]} tie strength ({@[3]} ties)"
    bars = ei_option([("Silo", -0.5), ("Open", 0.25)])
    assert bars["yAxis"]["data"] == ["Silo", "Open"]
    assert [d["itemStyle"]["color"] for d in bars["series"][0]["data"]] == ["#e15759", "#4e79a7"]
    json.dumps([heat, bars], allow_nan=False)


# -- the cache of network measures ------------------------------------------------------------------------------
def karate() -> nx.Graph:
    K = nx.karate_club_graph()
    G = nx.Graph()
    for v, d in K.nodes(data=True):
        G.add_node(f"person:{v}", name=f"P{v}", department=d["club"], opted_out=v == 5)
    for u, v, d in K.edges(data=True):
        G.add_edge(f"person:{u}", f"person:{v}", weight=float(d.get("weight", 1)))
    return G


def test_measures_equal_the_library_with_one_community_detection(tmp_path: Path) -> None:
    G = karate()
    got = AnalyticsCache().get(G, directory=tmp_path)
    assert got.source == "computed"
    lib, mp = map_with_networkers(G)
    assert same(got.report["people"], lib["people"]) and got.report["method"] == lib["method"]
    assert "person:5" not in got.report["people"]  # opted out: part of the structure, never reported
    assert same(networker_report(G)["people"]["person:0"]["brokerage_departments"],
                lib["people"]["person:0"]["brokerage_departments"])  # fmt: skip
    rest = [k for k in mp if k != "points"]
    assert same({k: got.map_data[k] for k in rest}, {k: mp[k] for k in rest})
    for k in ("nodes", "department", "community", "method"):
        assert got.map_data["points"][k] == mp["points"][k]
    assert (got.map_data["points"]["x"] == mp["points"]["x"]).all()


def test_measures_are_kept_per_network_version_in_memory_and_on_disk(tmp_path: Path) -> None:
    G = karate()
    cache = AnalyticsCache()
    first = cache.get(G, directory=tmp_path)
    assert cache.get(G, directory=tmp_path).source == "memory"
    files = list(tmp_path.glob("network-*.json"))
    assert [f.name for f in files] == [f"network-{first.key}.json"]
    restarted = AnalyticsCache().get(G, directory=tmp_path)  # a new process: read back from disk
    assert restarted.source == "disk" and same(restarted.report, first.report)
    assert (restarted.map_data["points"]["x"] == first.map_data["points"]["x"]).all()

    H = G.copy()
    H["person:0"]["person:1"]["weight"] = 2.0  # one tie stronger: another version
    assert version_key(H) != first.key and cache.get(H, directory=tmp_path).source == "computed"
    renamed = G.copy()
    renamed.nodes["person:3"]["department"] = "Elsewhere"  # reported attributes are part of the version too
    assert version_key(renamed) != first.key


def test_unreadable_cache_file_is_recomputed_not_fatal(tmp_path: Path) -> None:
    G = karate()
    key = version_key(G)
    (tmp_path / f"network-{key}.json").write_text("{not json")
    got = AnalyticsCache().get(G, directory=tmp_path)
    assert got.source == "computed"
    assert json.loads((tmp_path / f"network-{key}.json").read_text())["key"] == key  # rewritten whole


def test_without_a_folder_measures_stay_in_memory() -> None:
    cache = AnalyticsCache(max_items=1)
    G, H = karate(), karate()
    H.remove_edge("person:0", "person:1")
    assert cache.get(G).source == "computed" and cache.get(G).source == "memory"
    cache.get(H)
    assert cache.get(G).source == "computed"  # evicted: only one version kept


def test_cache_folder_setting() -> None:
    assert settings.network_cache_dir("var/x.db", {}) == Path("var/x.db.cache")
    assert settings.network_cache_dir("sqlite:///data/x.db", {}) == Path("data/x.db.cache")
    assert settings.network_cache_dir("bolt://h:7687", {}) == Path("var") / "cache"
    assert settings.network_cache_dir("var/x.db", {"WHOKNOWS_CACHE_DIR": "/c"}) == Path("/c")
    assert settings.network_cache_dir("var/x.db", {"WHOKNOWS_CACHE_DIR": ""}) is None


def test_warm_up_process_leaves_the_measures_on_disk(tmp_path: Path) -> None:
    from test_app_support import build_small_store

    from graph.analytics.projection import project_store
    from graph.open import open_store
    from whoknows.webapp.precompute import wait_for, warm_up

    store = build_small_store(tmp_path / "org")
    assert warm_up(str(store), None) is None and not wait_for(None)  # nothing to share without a folder
    proc = warm_up(str(store), tmp_path / "cache")  # what WHOKNOWS_WARM_UP=1 starts at app start
    assert wait_for(proc, timeout_s=120)
    G = project_store(open_store(str(store), read_only=True))
    got = AnalyticsCache().get(G, directory=tmp_path / "cache")
    assert got.source == "disk" and got.map_data["points"]["nodes"]


def test_map_has_a_size_legend_for_its_markers() -> None:
    G, pos = small_org()
    dept = nx.get_node_attributes(G, "department")
    view = map_option(G, pos, dept, size_by={"person:1": 0.5, "person:2": 0.1}, min_group=5)
    texts = [g["style"]["text"] for g in view.option["graphic"] if g["type"] == "text"]
    assert texts == ["marker size: betweenness", "0", "0.125", "0.5"]
    circles = [g["shape"]["r"] for g in view.option["graphic"] if g["type"] == "circle"]
    assert (
        circles == sorted(circles) and circles[0] * 2 == pytest.approx(5.0) and circles[-1] * 2 == pytest.approx(22.0)
    )
    json.dumps(view.option, allow_nan=False)
