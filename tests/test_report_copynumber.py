"""The report's copy-number provenance: where each patient's purity/ploidy came from, the
notes on default ploidies, and the panel's renamed gene symbols."""

import pandas as pd
import report_fixtures as rf
from cohortmark import schema
from cohortmark.report import provenance, render_report


def test_purity_ploidy_sources_and_renamings_are_shown(tmp_path):
    sheet, panel, alt, assoc, outcomes = rf.trial()
    ids = list(sheet["patient_id"])
    patients = pd.DataFrame({"patient_id": ids}).reindex(columns=schema.PATIENT_COLUMNS)
    patients["purity_source"] = ["sheet"] * 3 + ["caller"] * 5 + ["default"] * (len(ids) - 8)
    patients["ploidy_source"] = ["caller"] * 8 + ["default"] * (len(ids) - 8)
    patients["cn_note"] = patients["cn_note"].astype(object)
    patients.loc[8, "cn_note"] = ("absolute copy numbers with no ploidy in the sheet or the "
                                  "caller's files: default ploidy 2 used for the fold thresholds")
    panel.attrs["renamed"] = [{"given": "MLL2", "symbol": "KMT2D", "how": "previous",
                               "text": "MLL2 -> KMT2D (previous symbol)"}]
    html = render_report({"sheet": sheet, "panel": panel, "alterations": alt,
                          "associations": assoc, "outcomes": outcomes, "patients": patients},
                         {}, provenance({}, {}), tmp_path / "r.html").read_text()
    table = html.split('<table id="purity-ploidy">', 1)[1].split("</table>", 1)[0]
    rows = [r for r in table.split("<tr>") if r.startswith("<td>")]
    n_default = len(ids) - 8
    assert rows[0].count('class="num"') == 3 and f'<td class="num">{n_default}</td>' in rows[0]
    assert '<td>purity</td><td class="num">3</td><td class="num">5</td>' in rows[0]
    assert '<td>ploidy</td><td class="num">0</td><td class="num">8</td>' in rows[1]
    assert f"{ids[8]}: absolute copy numbers with no ploidy" in html
    assert "MLL2 -&gt; KMT2D (previous symbol)" in html
    without = render_report({"sheet": sheet, "panel": panel.copy(), "alterations": alt}, {},
                            provenance({}, {}), tmp_path / "s.html").read_text()
    assert 'id="purity-ploidy"' not in without
