"""Participation coefficient, within-module z-score and Guimerà-Amaral roles on small known cases."""

from __future__ import annotations

import networkx as nx
import pytest

from graph.analytics.roles import guimera_amaral_role, participation_coefficient, within_module_z


def test_participation_known_values():
    G = nx.star_graph(4)  # centre 0 with leaves 1..4
    modules = {0: "A", 1: "A", 2: "B", 3: "C", 4: "D"}
    p = participation_coefficient(G, modules)
    assert p[0] == pytest.approx(1 - 4 * (1 / 4) ** 2)  # ties spread evenly over four modules
    assert p[1] == 0.0  # one tie, one module


def test_participation_all_inside_is_zero():
    G = nx.complete_graph(4)
    assert set(participation_coefficient(G, dict.fromkeys(G, "A")).values()) == {0.0}


def test_within_module_z_star_hub():
    G = nx.star_graph(4)
    z = within_module_z(G, dict.fromkeys(G, "A"))
    # internal degrees 4,1,1,1,1: mean 1.6, sd 1.2
    assert z[0] == pytest.approx((4 - 1.6) / 1.2)
    assert z[1] == pytest.approx((1 - 1.6) / 1.2)


def test_within_module_z_equal_degrees_is_zero():
    G = nx.cycle_graph(5)
    assert set(within_module_z(G, dict.fromkeys(G, 0)).values()) == {0.0}


@pytest.mark.parametrize(
    ("z", "p", "role"),
    [
        (0.0, 0.0, "R1"),
        (0.0, 0.5, "R2"),
        (0.0, 0.7, "R3"),
        (0.0, 0.9, "R4"),
        (3.0, 0.1, "R5"),
        (3.0, 0.5, "R6"),
        (3.0, 0.8, "R7"),
    ],
)
def test_guimera_amaral_role_regions(z, p, role):
    assert guimera_amaral_role(z, p) == role
