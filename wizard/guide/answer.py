"""The two steps the verdict answers directly: "What happened?" (the outcome in plain words,
with the evidence that proves the root cause) and "Who caused it?" (the last link of the
chain: the party who must act)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec.structs import replace

from wizard.guide.steps import (
    Skipped,
    Step,
    finding_by_id,
    in_context,
    make_step,
    problems,
    skip,
    titles,
)
from wizard.model.report import Report
from wizard.output.words import plural

if TYPE_CHECKING:
    from wizard.verdict.model import Verdict

CONFIDENCE_WORDS = {
    "proven": "proven: the tool reproduced it (a re-hash of the message or the key's RSA decode)",
    "confirmed": "confirmed: the receiver's own Authentication-Results or bounce says the same",
    "inferred": "inferred from the evidence; nothing re-computed or reported confirms it",
}


def _from_where(source: str) -> str:
    """Where the input came from, as the end of a sentence."""
    if source == "paste":
        return "pasted into the app"
    if source == "stdin":
        return "read from standard input"
    if source.startswith("scenario "):
        return f"from the training scenario {source.removeprefix('scenario ')}"
    return f"from the file {source}"


def _input_words(report: Report) -> str:
    """What the user gave, and how far it can be trusted (EVID-*)."""
    info = report.input
    if info.kind == "domain":
        return (f"You asked about {info.source}: no message, so we checked its DNS records (the "
                "DKIM keys of the selectors you named, SPF and DMARC).")
    words = f"You gave us {info.label}: {plural(info.size, 'byte')} {_from_where(info.source)}."
    if report.bounce is not None:
        # A bounce's own body is the receiver's report; what can be re-checked is the message
        # it carried back, which has its own kind (EVID-01 of the returned message).
        returned = report.returned
        if returned is None:
            return words + (" It does not carry the original message back, so only what the "
                            "receiver said could be checked.")
        body = ("with its body, so we could check whether the body was changed"
                if returned.input.has_body else
                "headers only, so we could not check whether the body was changed")
        return words + f" It carries the original message back ({returned.input.label}): {body}."
    if info.kind not in ("smtp_reply", "auth_results", "dkim_signature"):
        words += (" It includes the body, so we could check whether the body was changed."
                  if info.has_body else
                  " The body is missing, so we could not check whether the body was changed.")
    return words


def step_verdict(report: Report, verdict: Verdict) -> Step:
    """The answer first: the outcome, THE root cause and how sure we are, with its evidence."""
    found = verdict.headline.rstrip(".") + "."
    evidence: list[str] = []
    root = verdict.root_cause
    root_finding = finding_by_id(report, root.id) if root else None
    if root is not None:
        found += f" Root cause: {root.id}, {CONFIDENCE_WORDS[root.confidence]}."
        evidence += list(root_finding.evidence) if root_finding else []
    elif verdict.outcome == "pass":
        found += " Nothing needs fixing for this message."
    trust = problems(in_context((f for f in report.all_findings if f.id.startswith("EVID-")), verdict))
    if trust:
        found += " Be careful with this input: " + titles(trust, mid_sentence=True) + "."
    for cap in report.caps:
        evidence.append(f"limit reached: {cap.what} (saw {cap.seen}, analysed {cap.limit})")
    if report.input.line_endings not in ("crlf", "none", "n/a"):
        evidence.append(f"line endings: {report.input.line_endings}")
    step = make_step(report, "verdict", found, evidence, verdict=verdict,
                     pending=bool(report.pending))
    # "Input looks like a full message" of a bounce's returned message is about that message,
    # not the input: beside "You gave us a DSN" it would contradict the note below.
    returned_kind = {(f.title, f.detail) for f in (report.returned.findings if report.returned else ())
                     if f.id == "EVID-01"}
    step = replace(step, findings=tuple(f for f in step.findings
                                        if f.id != "EVID-01" or (f.title, f.detail) not in returned_kind))
    findings = in_context((root_finding,), verdict) if root_finding else ()
    notes = [f"Also a cause: {c.id}: {c.title} ({c.confidence})" for c in verdict.other_causes]
    notes += [f"Not the cause: {n.id}: {n.why}" for n in verdict.not_the_cause[:1]]
    notes.append(_input_words(report))
    chain = tuple(f"{link.id}: {link.title}" for link in verdict.chain)
    return replace(step, findings=findings + step.findings, notes=tuple(notes), chain=chain)


def step_who(report: Report, verdict: Verdict) -> Step | Skipped:
    """The party at the end of the chain: the one who must change something."""
    if verdict.root_cause is None or verdict.primary_fix is None:
        return skip("who", "There is no root cause, so nobody has to change anything.")
    who = verdict.primary_fix.who
    parties = [f for f in report.all_findings if f.id.startswith("CAUSE-")]
    parties = list({f.title: f for f in parties}.values())  # one line per party, not per change
    if parties:
        found = f"{titles(tuple(parties))}. So {who} must act, not the author's DNS."
    else:
        found = f"No intermediary shows in the evidence: {who} must act."
    return make_step(report, "who", found, [], verdict=verdict)
