"""From a message's report to its causes: which identity DMARC needed, why each failed, who
made it fail, and which alarming findings do not matter for this message.

Cause groups, in the order the root cause is taken from (each group, fixed, flips DMARC):
  1. the From header itself (DMARC-14): nothing else can be evaluated without it;
  2. an aligned DKIM signature that failed: its key, its tags, or a change in transit;
  3. SPF failing for an aligned MAIL FROM domain — unless the mail came through a forwarder,
     where SPF fails by design and only DKIM can carry DMARC;
  4. identities that pass but are not aligned (DMARC-06/07): an ESP set up with its own domains;
  5. no DKIM signature at all (DKIM-SIG-01).
"""
from __future__ import annotations

from typing import Any

from msgspec import Struct, field

from wizard.model.findings import Finding
from wizard.verdict import facts
from wizard.verdict.facts import (
    ECHO_PREFIXES,
    KEY_IDS,
    SIG_IDS,
    SPF_IDS,
    findings_of,
    first,
    sig_findings,
)

# Changes in transit that break a body hash or a header signature (diagnoses.md §4).
CHANGE_IDS = ("CANON-11", "CANON-12", "CANON-08", "CANON-14", "CANON-09", "CANON-07", "CANON-10",
              "CANON-13")
SPF_ALERTS = ("SPF-13", "SPF-14", "SPF-01", "SPF-17")  # what forwarding does to SPF
NOT_PASSING_SPF = ("fail", "softfail", "permerror", "temperror", "none", "neutral")


class Found(Struct, frozen=True):
    finding: Finding
    confidence: str  # proven | confirmed | inferred


class Causes(Struct):
    """The causes of one message's outcome, worst group first, and what is not the cause."""

    groups: list[list[Found]] = field(default_factory=list)  # each: [main cause, *more]
    chain: list[Finding] = field(default_factory=list)  # the root group's links, top down
    who: list[Finding] = field(default_factory=list)  # the party who caused the root
    not_cause: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, template key)
    latent: Any = None  # a failed aligned signature on a message that passes on SPF

    @property
    def root(self) -> Found | None:
        return self.groups[0][0] if self.groups else None

    @property
    def others(self) -> list[Found]:
        return [c for g in self.groups for c in g][1:]


def signature_causes(report: Any, sig: Any) -> tuple[list[Found], list[Finding], list[Finding]]:
    """(causes, links above the cause, parties) for one failed DKIM signature."""
    fs = sig_findings(report, sig)
    said = facts.receiver_says(report, "dkim", facts.DKIM_FAILED, getattr(sig, "d", None))
    heard = "confirmed" if said else "inferred"
    causes: list[Found] = []
    if facts.key_mismatch_proven(sig):
        key = first(fs, "DKIM-KEY-14")
        if key is not None:
            causes.append(Found(key, "proven"))
    for pid in facts.proven_ids(sig):
        f = first(fs, pid, failing=True) or first(fs, pid)
        if f is None or f.id.startswith("CAUSE-"):
            # The party was named as the proof: the change itself is the cause.
            f = first(fs, CHANGE_IDS, failing=True) or f
        if f is not None and all(c.finding.id != f.id for c in causes):
            causes.append(Found(f, "proven"))
    if not causes:
        f = (first(fs, KEY_IDS, failing=True) or first(fs, SIG_IDS, failing=True)
             or first(fs, CHANGE_IDS, failing=True))
        reason = getattr(sig, "reason", "")
        if f is None and reason == "body_hash":
            f = first(fs, "CANON-01")
        if f is None and reason == "signature":
            f = first(fs, "CANON-13")
        if f is None:
            f = next((x for x in fs if x.severity.is_failure and not x.id.startswith(ECHO_PREFIXES)
                      and not x.id.startswith("CAUSE-")), None)
        if f is not None:
            causes.append(Found(f, heard))
    above = []
    split = first(fs, "CANON-01")
    if causes and split is not None and causes[0].finding.id in CHANGE_IDS:
        above.append(split)
    used = {c.finding.id for c in causes}
    parties = _unique(x for x in fs if x.id.startswith("CAUSE-") and x.id not in used)
    if causes and causes[0].finding.id in KEY_IDS:
        parties += [x for x in fs if x.id == "DNS-03"][:1]
    return causes, above, parties


def spf_cause(report: Any) -> Found | None:
    """The SPF fault behind a result that is not pass (the report's SPF findings all concern
    the checked domain or the records it includes)."""
    spf_findings = tuple(f for f in findings_of(report) if f.id.startswith("SPF-"))
    f = first(spf_findings, SPF_IDS, failing=True)
    if f is None:
        return None
    said = facts.receiver_says(report, "spf", NOT_PASSING_SPF)
    return Found(f, "confirmed" if said else "inferred")


def message_causes(report: Any) -> Causes:
    """Every cause group of a message's report, and the alarming findings that are not causes
    (see the module doc for the order)."""
    out = Causes()
    fs = findings_of(report)
    sigs = facts.signatures(report)
    aligned = [s for s in sigs if facts.aligned(getattr(s, "d", None), report)]
    dkim_carries = any(getattr(s, "result", "") == "pass" for s in aligned)
    spf_result, spf_domain, _ = facts.spf(report)
    spf_carries = spf_result == "pass" and facts.aligned(spf_domain, report)
    forwarded = facts.forwarding_seen(report)

    from_problem = first(fs, "DMARC-14", failing=True)
    if from_problem is not None:
        out.groups.append([Found(from_problem, "inferred")])
    record_problem = first(fs, ("DMARC-02", "DMARC-03", "DMARC-04"), failing=True)
    if record_problem is not None and getattr(facts.dmarc_result(report), "result", "") == "permerror":
        out.groups.append([Found(record_problem, "inferred")])

    failed_sigs = [s for s in aligned if getattr(s, "result", "") in facts.DKIM_FAILED
                   or facts.proven_ids(s)]
    sig_groups = []
    for sig in failed_sigs:
        causes, above, parties = signature_causes(report, sig)
        if causes:
            sig_groups.append((sig, causes, above, parties))
    if not dkim_carries:
        for _, causes, above, parties in sig_groups:
            if not out.groups:
                out.chain, out.who = above, parties
            out.groups.append(causes)
        if sig_groups and spf_carries:
            out.latent = sig_groups[0][0]
    else:
        for _, causes, _, _ in sig_groups:
            out.not_cause += [(c.finding, "*") for c in causes]

    spf_found = spf_cause(report) if facts.aligned(spf_domain, report) else None
    deferred_spf = None
    if spf_found is not None:
        if dkim_carries:
            out.not_cause.append((spf_found.finding,
                                  "SPF-13" if spf_found.finding.id == "SPF-13" else "SPF@dkim"))
        elif forwarded:
            deferred_spf = spf_found  # a cause only when nothing else explains the failure
        elif not spf_carries:
            out.groups.append([spf_found])

    unaligned = first(fs, ("DMARC-07", "DMARC-06"))
    if unaligned is not None and not (dkim_carries or spf_carries):
        if aligned and forwarded:
            out.not_cause.append((unaligned, "DMARC-06"))
        else:
            if not out.groups:
                # Custom DKIM first: an aligned signature survives forwarding, SPF does not.
                out.who = [f for fid in ("CAUSE-15", "CAUSE-17") for f in fs if f.id == fid][:2]
            out.groups.append([Found(unaligned, "confirmed" if facts.receiver_says(
                report, "dmarc", ("fail",)) else "inferred")])

    unsigned = first(fs, "DKIM-SIG-01")
    if unsigned is not None:
        if spf_carries:
            out.not_cause.append((unsigned, "DKIM-SIG-01"))
        elif not dkim_carries:
            out.groups.append([Found(unsigned, "inferred")])
    if deferred_spf is not None:
        if out.groups:
            key = "SPF-13@forwarded" if deferred_spf.finding.id == "SPF-13" else "*"
            out.not_cause.append((deferred_spf.finding, key))
        else:
            out.groups.append([deferred_spf])
    return out


def group_rank(group: list[Found]) -> int:
    """Where a cause group stands in the module doc's order (lower: nearer the root)."""
    fid = group[0].finding.id
    if fid.startswith("DMARC-") and fid not in ("DMARC-06", "DMARC-07"):
        return 0
    if fid.startswith("SPF-"):
        return 2
    if fid in ("DMARC-06", "DMARC-07"):
        return 3
    if fid == "DKIM-SIG-01":
        return 4
    return 1


def leftovers(report: Any, used: set[str], dkim_carries: bool) -> list[tuple[Finding, str]]:
    """Findings of WARN or worse that are neither causes nor evidence, once per id, each with
    its reason's table key."""
    out: list[tuple[Finding, str]] = []
    seen = set(used)
    for f in facts.all_findings(report):
        if f.id in seen or f.severity.rank < 1 or f.id.startswith(ECHO_PREFIXES):
            continue
        seen.add(f.id)
        if f.id.startswith("SPF-") and dkim_carries:
            out.append((f, "SPF-13" if f.id == "SPF-13" else "SPF@dkim"))
        else:
            out.append((f, f.id))
    return out


def _unique(findings) -> list[Finding]:
    seen: dict[str, Finding] = {}
    for f in findings:
        seen.setdefault(f.id, f)
    return list(seen.values())
