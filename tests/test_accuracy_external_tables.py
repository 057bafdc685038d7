"""The cross-hospital accuracy benchmark's hold-out bookkeeping and tables (no data needed)."""

from __future__ import annotations

from types import SimpleNamespace

from benchmarks import accuracy_external as ax


def _score(v: float) -> dict:
    return {"mean_pcc": v, "median_pcc": v, "mean_band_pcc": v, "mean_rmse_mv": 0.1, "median_rmse_mv": 0.1,
            "leads": {"V1": {"mean_pcc": v}}}


def test_held_out_sources_read_from_either_place_on_the_card() -> None:
    scratch = SimpleNamespace(training={"held_out_sources": ["sph", "cinc2011", "cpsc"]})
    continued = SimpleNamespace(training={"continued": {"held_out_sources": ["cpsc", "sph"]}})
    assert ax.held_out_sources(scratch) == ["cinc2011", "cpsc", "sph"]
    assert ax.held_out_sources(continued) == ["cpsc", "sph"]
    assert ax.held_out_sources(SimpleNamespace(training={})) == []
    # the shared PTB-XL copies and the big PTB-XL set are one source to a reader
    assert ax.held_out_tag(["ptbxl", "ptbxl_big"]) == "new, without PTB-XL"
    assert ax.held_out_tag(["sph", "cpsc", "cinc2011"]) == "new, without CPSC + CinC 2011 + SPH"


def test_tables_put_each_hold_out_between_new_and_old() -> None:
    cinc = ax.HELD_TABLES["cinc2011"]
    res = {
        "n_fold10": 3, "n_information": 0, "information": {},
        "fold10": {"I,II,V4": {"new": _score(0.9), "old": _score(0.88), "linear": _score(0.78),
                               "new, without PTB-XL": _score(0.8)}},
        "external": {
            cinc: {"I,II,V4": {"old": _score(0.7), "linear": _score(0.6),
                               "new, without CPSC + CinC 2011 + SPH": _score(0.75)}},
        },
    }
    md = ax.to_markdown(res)
    assert "| I,II,V4 | new, without PTB-XL | 0.800 (0.800) |" in md
    header = md[md.index(f"**{cinc}**"):].splitlines()[2]
    assert header == "| inputs | new, without CPSC + CinC 2011 + SPH | old | linear |"
    assert "| I,II,V4 | 0.750 (0.750) | 0.700 (0.700) | 0.600 (0.600) |" in md
