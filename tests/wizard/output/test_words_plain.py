"""The words a person reads: no catalogue id inside a sentence ("… (DMARC-06)"), no input
kind contradicted by EVID-01, and SPF-05 never speaking of an unlisted IP when SPF passed.
An id may still label a line or an item ("DSN-06: …", "Not the cause: SPF-13: …"): that is
where an expert looks for it."""
from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path

import pytest

from wizard.guide.steps import Step
from wizard.guide.tree import walk
from wizard.model.catalogue import CATALOGUE
from wizard.model.request import AnalysisRequest
from wizard.output.verdict_view import verdict_view
from wizard.pipeline.analyze import analyze
from wizard.scenarios import list_scenarios
from wizard.verdict import judge

ROOT = Path(__file__).resolve().parents[3]
BOUNCES = ROOT.parent / "shared" / "data" / "bounces"
_ID = re.compile(r"\b[A-Z][A-Z]*(?:-[A-Z]+)*-\d{2}\b")
# Labels an id may follow: it names the item, it is not part of the sentence.
_LABELS = ("Root cause: ", "Cause: ", "Not the cause: ", "Also a cause: ")


def ids_in_sentences(text: str) -> list[str]:
    out = []
    for match in _ID.finditer(text):
        if match.group() not in CATALOGUE:
            continue
        before = text[: match.start()]
        line_start = before.rsplit("\n", 1)[-1]
        if line_start.strip() == "" or any(line_start.endswith(label) for label in _LABELS):
            continue
        out.append(f"{match.group()} in {text!r}")
    return out


def _texts(path: Path) -> list[str]:
    """Every string a module writes for a person: its constants and the literal parts of its
    f-strings, not its docstrings."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


SOURCES = sorted([ROOT / "wizard" / "model" / "catalogue.py",
                  *(ROOT / "wizard" / "verdict").glob("*.py"), *(ROOT / "wizard" / "guide").glob("*.py")])


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_catalogue_id_inside_a_sentence_of_the_source(path: Path) -> None:
    assert [hit for text in _texts(path) for hit in ids_in_sentences(text)] == []


def _reports():
    from tui.request import scenario_request
    from wizard.dns import ZoneFileResolver

    for scenario in list_scenarios():
        request = scenario_request(scenario)
        resolvers = [ZoneFileResolver(list(request.zone_paths))]
        yield scenario.name, asyncio.run(analyze(request, resolvers=resolvers))
    for path in sorted(BOUNCES.glob("*.eml"))[:25]:
        yield path.name, asyncio.run(analyze(AnalysisRequest(raw=path.read_bytes(), offline=True,
                                                             source=path.name), resolvers=[]))


REPORTS = list(_reports())


def _step_words(step: Step) -> list[str]:
    return [step.found, step.why, *step.notes, *((step.advice.text,) if step.advice else ())]


@pytest.mark.parametrize("name, report", REPORTS, ids=[n for n, _ in REPORTS])
def test_no_catalogue_id_inside_a_sentence_of_the_verdict_or_the_guide(name, report) -> None:
    verdict = judge(report)
    view = verdict_view(report, verdict)
    words = [verdict.headline, view.headline, view.proof]
    if view.fix is not None:
        words += [view.fix.what, view.fix.confirm, view.fix.who]
    words += [*view.not_the_cause, *view.other_causes]
    for step in walk(report, verdict).steps:
        words += _step_words(step)
    assert [hit for text in words for hit in ids_in_sentences(text)] == []


@pytest.mark.parametrize("name, report", [(n, r) for n, r in REPORTS if r.bounce is not None],
                         ids=[n for n, r in REPORTS if r.bounce is not None])
def test_a_bounce_is_never_called_a_full_message_beside_its_missing_body(name, report) -> None:
    first = walk(report, judge(report)).steps[0]
    shown = " ".join([*first.notes, *(f"{f.title}. {f.detail}" for f in first.findings)])
    assert "The body is missing" not in shown or "looks like a full message" not in shown
    assert not any(f.id == "EVID-01" and f.title.startswith("Input looks like a full message")
                   for f in first.findings), name


# SPF-05 says what the count means without claiming the IP is not listed (SPF may have passed).
def test_spf_budget_words_agree_with_the_spf_result() -> None:
    passed = [(name, f.detail) for name, report in REPORTS
              for r in (report, report.returned) if r is not None and r.spf is not None
              and r.spf.result == "pass" for f in r.findings if f.id == "SPF-05"]
    assert passed and not [hit for hit in passed if "does not list" in hit[1]]


def test_gmail_is_named_only_when_the_receiver_is_gmail() -> None:
    raw = b"550 5.7.26 This message does not pass authentication checks\n"
    report = asyncio.run(analyze(AnalysisRequest(raw=raw, offline=True), resolvers=[]))
    assert report.bounce is not None and report.bounce.provider != "Gmail"
    assert not [f.id for f in report.all_findings if "At Gmail" in f.detail]
    raw = (b"550-5.7.26 This mail has been blocked because the sender is unauthenticated. "
           b"Gmail requires all senders to authenticate with either SPF or DKIM. "
           b"a1-20020a05 - gsmtp\n")
    report = asyncio.run(analyze(AnalysisRequest(raw=raw, offline=True), resolvers=[]))
    assert report.bounce is not None and report.bounce.provider == "Gmail"
    assert [f.id for f in report.all_findings if "At Gmail" in f.detail]
