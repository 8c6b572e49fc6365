"""The primary fix: the root cause's own fix (a record to publish, a command that changes
something), or — when no command or record can fix it — advice naming who must act, what
to do, and how to confirm. Lookups (dig, opendkim-testkey, …) are checks, never fixes.
"""
from __future__ import annotations

from typing import Any

from wizard.common.safe_text import sanitize
from wizard.model.findings import Finding, FixCommand, RecordFix
from wizard.verdict.model import PrimaryFix
from wizard.verdict.tables import ADVICE, Advice

_LOOKUP_TOOLS = frozenset({"dig", "host", "nslookup", "drill", "delv", "kdig", "opendkim-testkey",
                           "dkimverify", "whois"})
_CHECK_WORDS = ("look up", "ask ", "show ", "follow ", "query ", "verify ", "let opendkim",
                "check ")


def is_check(command: FixCommand) -> bool:
    """A command that only looks at something (DNS, a key, a message)."""
    argv = tuple(getattr(command, "argv", ()) or ())
    if not argv:
        return True
    if argv[0] in _LOOKUP_TOOLS:
        return True
    script = argv[2] if argv[0] == "sh" and len(argv) > 2 and argv[1] == "-c" else ""
    if any(f"{tool} " in script for tool in ("dig", "dkimverify", "s_client")):
        return True
    return getattr(command, "purpose", "").lower().startswith(_CHECK_WORDS)


def _context_words(text: str, context: dict[str, str]) -> str:
    try:
        return text.format(**context)
    except (KeyError, IndexError, ValueError):
        return text


def advice_fix(finding: Finding, advice: Advice, context: dict[str, str]) -> PrimaryFix:
    text = (_context_words(advice.do, context) + " To confirm: "
            + _context_words(advice.confirm, context))
    return PrimaryFix(finding.id, "advice", _context_words(advice.who, context), text)


def primary_fix(root: Finding | None, parties: list[Finding], context: dict[str, str],
                extra_advice: Advice | None = None) -> PrimaryFix | None:
    """The fix of `root`. `parties` are the chain's who-links (CAUSE-xx, DNS-03): when one of
    them has advice it wins over the root's own commands, because the party, not the sender's
    DNS, must act (an ESP-hosted key cannot be regenerated locally)."""
    if root is None:
        return None
    for party in parties:
        if party.id in ADVICE:
            return advice_fix(root, ADVICE[party.id], context)
    if extra_advice is not None:
        return advice_fix(root, extra_advice, context)
    if root.id in ADVICE and ADVICE[root.id].before_fixes:
        return advice_fix(root, ADVICE[root.id], context)
    for fix in root.fixes:
        if isinstance(fix, RecordFix):
            domain = fix.name.split("._domainkey.")[-1].removeprefix("_dmarc.")
            return PrimaryFix(root.id, "record", f"the DNS administrator of {domain}",
                              sanitize(f"{fix.purpose}: {fix.zone_line}", one_line=True))
        if isinstance(fix, FixCommand) and not is_check(fix):
            return PrimaryFix(root.id, "command", _command_who(fix, context),
                              sanitize(fix.purpose, one_line=True), tuple(fix.argv))
    advice = ADVICE.get(root.id) or _generic(root)
    return advice_fix(root, advice, context)


def _command_who(fix: FixCommand, context: dict[str, str]) -> str:
    joined = " ".join(fix.argv)
    if "keygen" in joined or "openssl" in joined:
        return "the administrator of the signing system, then the DNS administrator"
    return f"the administrator of {context.get('from_domain') or 'the sending domain'}"


def _generic(root: Finding) -> Advice:
    return Advice(
        "the administrator of {from_domain}",
        sanitize(f"{root.title}: {root.detail}", one_line=True),
        "Run `mailtriage check` again after the change.")


def context_of(report: Any, root: Finding | None, via: str | None) -> dict[str, str]:
    """The values the tables' templates may name, sanitised (they come from mail and DNS)."""
    from wizard.verdict import facts

    _, spf_domain, ip = facts.spf(report)
    about = root.about if root and root.about and " " not in root.about else ""
    if root and root.id.startswith("SPF-"):
        about = spf_domain or about  # the record to edit is the checked domain's, not an include's
    selector = about.split("._domainkey.")[0] if "._domainkey." in about else "this selector"
    values = {
        "from_domain": facts.from_domain(report) or "the From domain",
        "selector": selector,
        "domain": about or spf_domain or facts.from_domain(report) or "the domain",
        "ip": ip or "the sending IP",
        "spf_domain": spf_domain or "the MAIL FROM domain",
        "via": via or "a forwarder",
    }
    return {k: sanitize(v, one_line=True) for k, v in values.items()}
