"""What a report says once: a bounce and the message it returns come from one file, so a
file-level finding (its line endings) is said once, not once per part."""
from __future__ import annotations

from pathlib import Path

from wizard.model.request import AnalysisRequest
from wizard.pipeline.analyze import analyze

BOUNCES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "bounces"


async def test_a_bounce_with_lf_line_endings_says_so_once():
    raw = (BOUNCES / "lhost-amazonses-03.eml").read_bytes()
    assert b"\r\n" not in raw  # the real bounce is stored with LF line ends
    report = await analyze(AnalysisRequest(source="bounce", raw=raw, offline=True), resolvers=[])
    assert report.returned is not None
    evid02 = [f for f in report.all_findings if f.id == "EVID-02"]
    assert len(evid02) == 1, [f.title for f in evid02]
