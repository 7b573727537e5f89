"""Colour: the palettes that sit side by side in the figures stay distinguishable in simulated
deuteranopia and protanopia. The simulation (Machado et al. 2009) is checked against values
computed with the colorspacious package (1.1.2, ``cspace_convert(c, {"name": "sRGB1+CVD",
"cvd_type": ..., "severity": 100}, "sRGB1")``, clipped to 0-1); CIEDE2000 against Sharma, Wu
& Dalal (2005), Table 1."""

from itertools import combinations

import numpy as np
import pytest
from cohortmark.figures import (
    CN_COLOURS,
    FUSION_COLOUR,
    MUTATION_COLOUR,
    NP_FACE,
    RESPONSE_COLOURS,
)
from cohortmark.figures.colour import VISIONS, ciede2000, closest_pairs, delta_e, simulate

MIN_DELTA_E = 10.0  # CIEDE2000: clearly different side by side


@pytest.mark.parametrize("kind, rgb, expected", [
    ("protanopia", (0.8, 0.2, 0.1), (0.388198, 0.342656, 0.075293)),
    ("protanopia", (0.2, 0.5, 0.9), (0.291335, 0.537307, 0.915251)),
    ("deuteranopia", (0.8, 0.2, 0.1), (0.535126, 0.47527, 0.050656)),
    ("deuteranopia", (0.2, 0.5, 0.9), (0.137548, 0.473755, 0.892017)),
    ("deuteranopia", (0.9, 0.9, 0.2), (0.981924, 0.881681, 0.263805)),
    ("tritanopia", (0.9, 0.9, 0.2), (0.965022, 0.841225, 0.772449)),
])
def test_simulation_matches_colorspacious(kind, rgb, expected):
    assert np.allclose(simulate(rgb, kind), expected, atol=2e-6)


@pytest.mark.parametrize("lab1, lab2, expected", [
    ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
    ((50, 3.1571, -77.2803), (50, 0, -82.7485), 2.8615),
    ((50, 2.8361, -74.0200), (50, 0, -82.7485), 3.4412),
    ((50, -1.3802, -84.2814), (50, 0, -82.7485), 1.0000),
])
def test_ciede2000_matches_sharma(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def heatmap_neighbours() -> dict:
    """Every colour that can touch another in the heatmap: the best-response track lies on
    the copy-number cells, mutation and fusion bands lie inside them, not profiled beside."""
    return {**{f"response {k}": v for k, v in RESPONSE_COLOURS.items()},
            **{f"copy number {k}": v for k, v in CN_COLOURS.items()},
            "mutation": MUTATION_COLOUR, "fusion": FUSION_COLOUR, "not profiled": NP_FACE}


def test_neighbouring_categories_differ_for_colour_blind_readers():
    worst = closest_pairs(heatmap_neighbours(), VISIONS)[:3]
    assert worst[0][0] >= MIN_DELTA_E, worst


def test_the_check_fails_on_the_old_palettes():
    """The palettes before this change: PD vermilion beside amplification red, CR blue beside
    deep-deletion blue."""
    old = {"CR": "#0072B2", "PR": "#56B4E9", "SD": "#E69F00", "PD": "#D55E00",
           "HOMDEL": "#2166AC", "AMP": "#B2182B", "LOSS": "#92C5DE"}
    worst = closest_pairs(old, VISIONS)[0]
    assert worst[0] < MIN_DELTA_E and worst[1] == "deuteranopia"
    assert delta_e("#0072B2", "#2166AC", "deuteranopia") < 5


def test_response_order_reads_in_every_vision():
    for a, b in combinations(RESPONSE_COLOURS.values(), 2):
        for v in VISIONS:
            assert delta_e(a, b, v) >= MIN_DELTA_E, (a, b, v)
