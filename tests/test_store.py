"""The columnar store the cohort steps read: the same table back, from several files."""

import numpy as np
import pandas as pd
from cohortmark.store import read_store, store_values, write_store


def table(seed, n=50):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "patient_id": [f"P{i % 7}" for i in range(n)],
        "gene": rng.choice(["TP53", "ALK", "BRAF"], n),
        "cn_status": rng.choice(["altered", "wildtype", "not_profiled"], n),
        "cn_value": np.where(rng.random(n) < 0.2, np.nan, rng.random(n) * 10),
        "protein_change": np.where(rng.random(n) < 0.5, None, "p.V600E"),
        "n_mutations": pd.array(rng.integers(0, 3, n), dtype="Int64"),
    })


def test_round_trip_and_concatenation(tmp_path):
    a, b = table(1), table(2)
    b.loc[3, "gene"] = "EGFR"  # a value only the second file has
    write_store(a, tmp_path / "a.npz")
    write_store(b, tmp_path / "b.npz")
    back = read_store([tmp_path / "a.npz", tmp_path / "b.npz"], categorical=["gene"])
    both = pd.concat([a, b], ignore_index=True)
    assert list(back.columns) == list(both.columns)
    assert back["gene"].dtype == "category"
    assert list(back["gene"].astype(str)) == list(both["gene"])
    assert list(back["cn_status"]) == list(both["cn_status"])
    np.testing.assert_array_equal(back["cn_value"].to_numpy(), both["cn_value"].to_numpy())
    assert back["protein_change"].isna().tolist() == both["protein_change"].isna().tolist()
    assert list(back["n_mutations"]) == [float(x) for x in both["n_mutations"]]
    only = read_store(tmp_path / "a.npz", columns=["gene", "cn_value"])
    assert list(only.columns) == ["gene", "cn_value"] and len(only) == len(a)


def test_where_keeps_rows_by_value_and_values_without_rows(tmp_path):
    a, b = table(3), table(4)
    b.loc[0, "gene"] = "EGFR"
    a.loc[1, "gene"] = None  # missing never matches
    write_store(a, tmp_path / "a.npz")
    write_store(b, tmp_path / "b.npz")
    paths = [tmp_path / "a.npz", tmp_path / "b.npz"]
    both = pd.concat([a, b], ignore_index=True)
    got = read_store(paths, columns=["gene", "cn_value", "patient_id"], categorical=["gene"],
                     where={"gene": ["ALK", "EGFR"]})
    want = both[both["gene"].isin(["ALK", "EGFR"])]
    assert list(got["gene"].astype(str)) == list(want["gene"])
    assert list(got["patient_id"]) == list(want["patient_id"])
    np.testing.assert_array_equal(got["cn_value"].to_numpy(), want["cn_value"].to_numpy())
    two = read_store(paths, where={"gene": ["ALK"], "cn_status": ["altered"]})
    assert len(two) == ((both["gene"] == "ALK") & (both["cn_status"] == "altered")).sum()
    none = read_store(paths, columns=["gene"], where={"gene": ["KRAS"]})
    assert len(none) == 0 and list(none.columns) == ["gene"]
    assert store_values(paths, "gene") == sorted(set(both["gene"].dropna()))


def test_positions_and_membership_of_a_categorical_are_those_of_its_values():
    """store.positions / store.is_in give the same answer for a categorical column as for
    the same values as text: missing and absent values -1 / False, unused categories and
    categories outside ``names`` ignored."""
    from cohortmark.store import is_in, positions

    values = ["TP53", None, "MDM2", "ZZZ", "TP53", "CDK4"]
    plain = pd.Series(values, dtype=object)
    cat = pd.Series(pd.Categorical(values, categories=["CDK4", "MDM2", "TP53", "ZZZ", "unused"]))
    names = ["MDM2", "CDK4", "TP53"]
    expect = [2, -1, 0, -1, 2, 1]
    assert positions(plain, names).tolist() == expect
    assert positions(cat, names).tolist() == expect
    for allowed in (["TP53"], ["CDK4", "MDM2", "unused"], []):
        want = [v in allowed for v in values]
        assert is_in(plain, allowed).tolist() == want
        assert is_in(cat, allowed).tolist() == want
        assert is_in(cat, allowed).dtype == np.bool_
