"""The DKIM key record at `<s>._domainkey.<d>`: fetched answer → what a verifier makes of it
(diagnoses.md §2, DNS-01/02/03/06, CAUSE-11/12/13).

The tag list is read with `wizard.dkim.taglist.parse_tags` (every problem with its position) and the
key with wizard.dkim.pubkey (type, size, DER fingerprint). dkimpy's `evaluate_pk` is not used for
the diagnosis because it decodes `p=` with a lenient base64 that silently drops quotes,
spaces and other junk, so it accepts records that OpenDKIM and large receivers reject; it
also stops at the first problem. The verifier (wizard.dkim.verify) still hands the record to
dkimpy for the actual signature check.
"""
from __future__ import annotations

import itertools
import re

from msgspec import Struct
from msgspec.structs import replace

from wizard import fixes
from wizard.common.dnsname import InvalidName, is_valid_name
from wizard.common.safe_text import sanitize, shorten
from wizard.dkim.keynames import esp_for, sibling_names, split_key_name, wrong_names
from wizard.dkim.pubkey import ed25519_key, rsa_key, strict_b64
from wizard.dkim.taglist import parse_tags
from wizard.dns.types import DnsAnswer, Status
from wizard.model.dkim import KeyReport as KeyReport
from wizard.model.findings import Finding, FixCommand, RecordFix, Severity, quote_txt_chunks

# Length of p= (base64 of the DER SubjectPublicKeyInfo) for common RSA sizes with e=65537
# (diagnoses.md DKIM-KEY-07, computed with OpenSSL 3.0).
RSA_P_LENGTHS = {216: 1024, 392: 2048, 564: 3072, 736: 4096}
TXT_STRING_MAX = 255  # RFC 1035 §3.3.14
UDP_CLASSIC = 512  # answers above this need EDNS0 or TCP (DKIM-KEY-16, DNS-09)
KNOWN_TAGS = frozenset({"v", "h", "k", "n", "p", "s", "t"})  # RFC 6376 §3.6.1
OBSOLETE_TAGS = {"g": "granularity (g=) was removed in RFC 6376; it is ignored now"}
_BASE64_CHARS = re.compile(r"[A-Za-z0-9+/=]")
_SMART_QUOTES = "\u201c\u201d\u201e\u2018\u2019\u00ab\u00bb"
_PEM_LINE = re.compile(r"-----(BEGIN|END) [A-Z ]+-----")


def nearby_names(name: str) -> tuple[str, ...]:
    """The names to ask when the key at `name` is missing; pass the answers as `nearby`."""
    return tuple(wrong for wrong, _ in _wrong_names(name)) + sibling_names(name)


def _wrong_names(name: str) -> tuple[tuple[str, str], ...]:
    selector, domain = split_key_name(name)
    try:
        return wrong_names(domain, selector) if domain else ()
    except InvalidName:  # a name no lookup was made for has no misplaced copies to find
        return ()


def _server_spec(resolver: str) -> str | None:
    """The answer's resolver label as a `--resolver` spec for dig, when it names a server
    (the system resolver, zone files and "(auth)" labels give dig nothing to ask)."""
    if not resolver or resolver.strip().lower() == "system":
        return None
    try:
        fixes.dig_txt("example.com", (resolver,))
    except (InvalidName, ValueError):
        return None
    return resolver


def _publish_fixes(name: str) -> tuple[FixCommand, ...]:
    """How to get the record that is missing: from the signer's private key (the path is the
    usual OpenDKIM one, to be adjusted), or a new pair when that key is lost."""
    selector, domain = split_key_name(name)
    if not (selector and domain and is_valid_name(name)):
        return ()
    from_key = fixes.openssl_public_key_b64(f"/etc/opendkim/keys/{domain}/{selector}.private")
    return (
        replace(from_key, purpose="on the signing host: print p= for the key the signer uses "
                "(adjust the path), then publish v=DKIM1; k=rsa; p=… at " + name),
        FixCommand(("mailtriage", "keygen", "--domain", domain, "--selector", selector),
                   "or, if that private key is lost: a new key pair and its record in every form"),
    )


def _lookup_fixes(name: str, resolver: str = "") -> tuple[FixCommand, ...]:
    """`dig` for the answer with its chain (and at the server that gave it), and OpenDKIM's
    own key test."""
    selector, domain = split_key_name(name)
    try:
        out = [fixes.dig_answer(name, "TXT")]
        if (spec := _server_spec(resolver)) is not None:
            out.extend(fixes.dig_txt(name, (spec,)))
        if selector and domain:
            out.append(fixes.opendkim_testkey(domain, selector))
    except InvalidName:
        return ()
    return tuple(out)


def _show_strings(answer_strings: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """Each string exactly as received (control bytes escaped), with its length (DNS-01)."""
    lines = []
    for r, record in enumerate(answer_strings, 1):
        for s, part in enumerate(record, 1):
            lines.append(f"record {r} string {s} ({len(part)} chars): \"{sanitize(part, one_line=True)}\"")
    return tuple(lines)


def _s(value: str, limit: int = 80) -> str:
    """A value from DNS, made safe to show inside a finding."""
    return shorten(sanitize(value, one_line=True), limit)


def _chain_text(name: str, chain: tuple[str, ...]) -> str:
    return " → ".join((name,) + chain)


class _Draft(Struct):
    """Working state while one record is analysed; frozen into a KeyReport at the end."""

    findings: list[Finding]
    resolver: str = ""  # label of who answered, for `dig @server` fixes
    problem: str = ""
    key_type: str = ""
    key_bits: int | None = None
    testing: bool = False
    revoked: bool = False
    fingerprint: str = ""
    corrected: str = ""

    def add(self, *args, **kwargs) -> None:
        self.findings.append(Finding(*args, **kwargs))

    def fail(self, problem: str) -> None:
        self.problem = self.problem or problem


def analyze_key(
    answer: DnsAnswer,
    *,
    sig_a: str = "",
    sig_i_domain: str | None = None,
    sig_d: str = "",
    probe: DnsAnswer | None = None,
    nearby: tuple[DnsAnswer, ...] = (),
) -> KeyReport:
    """What a verifier makes of this key answer for a signature with `a=sig_a`, identity
    domain `sig_i_domain` and `d=sig_d`. `probe` is an optional answer for a name under
    `_domainkey.<d>` that should not exist; if it holds a record, a wildcard is answering
    (DNS-06). `nearby` holds answers for `nearby_names(name)` when the key is missing: a key
    found at a wrong name (DNS-07) or other selectors of the domain. Never raises."""
    name = answer.name
    about = name
    draft = _Draft(findings=[], resolver=answer.resolver)
    lookup = _lookup_fixes(name, answer.resolver)
    esp = esp_for(answer.cname_chain)
    chain_note = ""
    if answer.cname_chain:
        chain_note = f" The selector is a CNAME: {_chain_text(name, answer.cname_chain)}."
        draft.add(
            "DNS-03", Severity.INFO, "Key delegated by CNAME" + (f" to {esp}" if esp else ""),
            "The key is looked up at the CNAME target, "
            f"which {'belongs to ' + esp if esp else 'another party may control'}."
            f"{chain_note}",
            evidence=(_chain_text(name, answer.cname_chain),), about=about,
        )

    if answer.status == Status.NXDOMAIN or answer.status == Status.NODATA:
        nx = answer.status == Status.NXDOMAIN
        kid, what = (("DKIM-KEY-01", "does not exist (NXDOMAIN)") if nx
                     else ("DKIM-KEY-02", "exists but holds no TXT record (NODATA)"))
        target = answer.cname_chain[-1] if answer.cname_chain else name
        detail = (f"{target} {what}, so every verifier fails this signature with \"no key for signature\" "
                  "(RFC 6376 §6.1.2).")
        if answer.cname_chain:
            who = esp or "the CNAME target's owner"
            detail += (
                f"{chain_note} The CNAME is in place but the target has no key: {who} has not "
                "activated this key, or the domain is not verified there (DNS-03, CAUSE-11)."
            )
        else:
            detail += (
                " Usual causes: the selector was deleted during a key rotation (CAUSE-14), a typo in "
                "s= or d=, or the record was published at the wrong name (DNS-07)."
            )
        evidence = [f"{name} TXT → {answer.status}"]
        found = {a.name: v for a in nearby if a.status.answered for v in a.values[:1] if "p=" in v}
        siblings = [n.split("._domainkey.", 1)[0] for n in sibling_names(name) if n in found]
        if siblings:
            detail += f" Other selectors that do hold a key at {_s(split_key_name(name)[1])}: {', '.join(siblings)}."
            evidence.append("selectors with keys: " + ", ".join(siblings))
        draft.add(kid, Severity.CRITICAL, "DKIM key not found", detail, evidence=tuple(evidence),
                  fixes=lookup + _publish_fixes(name), about=about)
        for wrong, why in _wrong_names(name):
            if wrong in found:
                draft.add(
                    "DNS-07", Severity.CRITICAL, "Key published at the wrong name",
                    f"Found your key record at {wrong}; it must be at {name} ({why}).",
                    evidence=(f"{wrong} TXT: {_s(found[wrong], 120)}",),
                    fixes=(RecordFix(name, "TXT", sanitize(found[wrong], one_line=True),
                                     "publish the key at the right name"),),
                    about=about,
                )
        draft.fail("key_not_found")
        return _report(answer, "", (), draft, esp)
    if not answer.status.answered:
        draft.add(
            "DKIM-KEY-03", Severity.ERROR, "DNS failure fetching the DKIM key",
            f"The lookup of {name} failed ({answer.status}{': ' + answer.error if answer.error else ''}). "
            "Verifiers treat this as temporary (dkim=temperror) and retry; it is not a missing key. "
            "Causes: broken DNSSEC, unreachable or lame name servers, truncation problems (DNS-08…10).",
            evidence=(f"{name} TXT → {answer.status} via {answer.resolver}",),
            fixes=lookup + _dnssec_fixes(name), about=about,
        )
        draft.fail("dns_temperror")
        return _report(answer, "", (), draft, esp)

    values = answer.values
    if not values:
        draft.add("DKIM-KEY-02", Severity.CRITICAL, "DKIM key not found",
                  f"{name} answered without any TXT record.", fixes=lookup, about=about)
        draft.fail("key_not_found")
        return _report(answer, "", (), draft, esp)

    chosen = _pick_record(values)
    if len(values) > 1:
        _several_records(answer, values, draft)
    value = values[chosen]
    tags = _analyze_value(answer, answer.strings[chosen], value, draft, sig_a=sig_a,
                          sig_i_domain=sig_i_domain, sig_d=sig_d, probe=probe)
    _size_check(answer, draft)
    return _report(answer, value, tags, draft, esp)


def _dnssec_fixes(name: str) -> tuple[FixCommand, ...]:
    try:
        return fixes.dig_dnssec_compare(name, "TXT")
    except InvalidName:
        return ()


def _looks_like_key(value: str) -> bool:
    return "p=" in value and value.lstrip().startswith(("v=DKIM1", "k=", "p=", "h=", "t=", "s=", "n="))


def _pick_record(values: tuple[str, ...]) -> int:
    """With several records a verifier may use any (RFC 6376 §6.1.2); we analyse the first
    that looks like a complete key record and list all of them in DKIM-KEY-04."""
    for index, value in enumerate(values):
        if _looks_like_key(value):
            return index
    return 0


def _several_records(answer: DnsAnswer, values: tuple[str, ...], draft: _Draft) -> None:
    notes = []
    for index, value in enumerate(values, 1):
        kind = "looks like a complete key record"
        if "p=" not in value:
            kind = "looks like a fragment (no p=)"
        elif not value.lstrip().startswith("v=DKIM1") and "v=" not in value:
            kind = "has p= but no v=DKIM1 start"
        notes.append(f"record {index}: {kind}: {_s(value, 120)}")
    # DNS returns the records of a set in any order, so try each order (few records only).
    orders = itertools.permutations(values) if len(values) <= 4 else iter((values,))
    joined = next((j for j in ("".join(o) for o in orders) if _decodes_as_key(j)), "")
    fixes_out: tuple = ()
    detail = (
        f"{answer.name} holds {len(values)} TXT records. A verifier may use any one of them "
        "(RFC 6376 §6.1.2), so results become intermittent."
    )
    if joined:
        detail += (
            " Joined together they form one valid key: a DNS panel created separate records "
            "instead of one record with several strings (DNS-01). Delete them and publish one record."
        )
        fixes_out = (RecordFix(answer.name, "TXT", joined,
                               "publish the key as ONE record (the zone line splits it into strings)"),)
    draft.add("DKIM-KEY-04", Severity.ERROR, "Several TXT records at the selector", detail,
              evidence=tuple(notes), fixes=fixes_out, about=answer.name)


def _decodes_as_key(value: str) -> bool:
    tags = parse_tags(value)
    p = tags.get("p")
    if not tags.ok or not p:
        return False
    raw = strict_b64(p)
    return raw is not None and rsa_key(raw) is not None


def _repair(value: str) -> str:
    """Undo the DNS-panel mistakes of DNS-02: quotes pasted as data (including the `" "`
    between two pasted halves), `\\;` and `\\"` escapes kept as data, smart quotes, a PEM
    header, whitespace inside p=, and v=DKIM1 not first."""
    v = value.replace('" "', "").replace('""', "")
    v = v.replace("\\;", ";").replace('\\"', "")
    v = v.replace('"', "")
    for q in _SMART_QUOTES:
        v = v.replace(q, "")
    v = _PEM_LINE.sub("", v)
    tags = parse_tags(v)
    if not tags.tags:
        return ""
    pairs = []
    for tag in tags.tags:
        val = re.sub(r"\s+", "", tag.value) if tag.name == "p" else tag.value
        pairs.append((tag.name, val))
    pairs.sort(key=lambda kv: kv[0] != "v")  # stable: v first, the rest as written
    return "; ".join(f"{k}={val}" for k, val in pairs)


def _analyze_value(
    answer: DnsAnswer, strings: tuple[str, ...], value: str, draft: _Draft, *,
    sig_a: str, sig_i_domain: str | None, sig_d: str, probe: DnsAnswer | None,
) -> tuple[tuple[str, str], ...]:
    name = answer.name
    shown = _show_strings((strings,))
    parsed = parse_tags(value)
    tags = tuple((t.name, t.value) for t in parsed.tags)
    tag = dict(tags)
    syntax: list[str] = [f"{_s(p.message, 200)} at offset {p.position}" for p in parsed.problems if p.fatal]

    # DNS-02: characters a DNS panel put into the data.
    marks = []
    for ch, what in (('"', "literal quote character (the quotes dig shows are presentation, not data)"),
                     ("\\", "backslash escape kept as data"),):
        if ch in value:
            marks.append(f"{what}: {value.count(ch)}× {ch!r}, first at offset {value.index(ch)}")
    if '" "' in value:
        marks.append('`" "` in the data: two quoted halves were pasted into one field (CAUSE-12)')
    for q in _SMART_QUOTES:
        if q in value:
            marks.append(f"typographic quote {q!r} (U+{ord(q):04X}) at offset {value.index(q)}")
    if "-----BEGIN" in value or "-----END" in value:
        marks.append("a PEM header/footer (-----BEGIN …-----) was pasted into p=; "
                     "only the base64 between them belongs there")
    syntax.extend(marks)

    if "v" in tag and (tags[0][0] != "v" or tag["v"] != "DKIM1"):
        syntax.append("v= must be the first tag and must be exactly DKIM1 (RFC 6376 §3.6.1)"
                      f"; found v={_s(tag['v'])!r} as tag {[k for k, _ in tags].index('v') + 1}")
    if "p" not in tag:
        syntax.append("the record has no p= tag, so it holds no key")
    wildcard = _wildcard_note(name, value, probe)
    if wildcard:
        syntax.append(wildcard)

    if syntax:
        corrected = _repair(value)
        fix_records: tuple = ()
        if corrected and corrected != value and _repaired_ok(corrected):
            draft.corrected = corrected
            fix_records = (RecordFix(name, "TXT", corrected, "publish the corrected key record"),)
        detail = (
            f"The key record at {name} does not parse as RFC 6376 §3.6.1 requires, so verifiers "
            "fail the signature with \"key syntax error\"."
        )
        if draft.corrected:
            detail += (
                " Corrected value (paste it without quotes into a DNS panel; the zone line below "
                f"splits it into strings): {_s(draft.corrected, 2000)}"
                f"  Zone file: {_s(' '.join(quote_txt_chunks(draft.corrected)), 2000)}"
            )
        draft.add("DKIM-KEY-05" if not wildcard else "DNS-06", Severity.CRITICAL if not wildcard else Severity.ERROR,
                  "DKIM key record syntax error" if not wildcard else "A wildcard record answers for the key name",
                  detail, evidence=shown + tuple(syntax), fixes=fix_records + _lookup_fixes(name, answer.resolver),
                  about=name)
        if wildcard:
            draft.add("DKIM-KEY-05", Severity.CRITICAL, "DKIM key record syntax error",
                      f"What {name} returned is not a DKIM key record.", evidence=shown, about=name)
        draft.fail("key_syntax")

    _flags(name, tag, draft, sig_i_domain=sig_i_domain, sig_d=sig_d)
    _unknown_tags(name, tags, draft)
    if not syntax:
        _key_material(answer, strings, tag, draft, sig_a=sig_a)
    return tags


def verifies_when_corrected(about: str) -> Finding:
    """DKIM-KEY-05 as verification (wizard.dkim.verify) sees it: the signature holds against
    the corrected record this module offered."""
    return Finding("DKIM-KEY-05", Severity.INFO, "The signature verifies with the corrected key record",
                   "Publishing the corrected record shown with the key syntax error is the whole fix.",
                   about=about)


def _repaired_ok(corrected: str) -> bool:
    tags = parse_tags(corrected)
    p = tags.get("p")
    if not tags.ok or not p:
        return False
    raw = strict_b64(p)
    if raw is None:
        return False
    if (tags.get("k") or "rsa") == "ed25519":
        return len(raw) == 32
    return rsa_key(raw) is not None


def _wildcard_note(name: str, value: str, probe: DnsAnswer | None) -> str:
    foreign = value.lstrip().lower().startswith(("v=spf1", "v=dmarc1", "google-site-verification", "ms="))
    probe_hit = probe is not None and probe.status.answered and value in probe.values
    if probe is not None and probe_hit:
        return (f"{probe.name}, a name that should not exist, returns the same TXT: a wildcard "
                f"(*.…) record answers for names under _domainkey (DNS-06)")
    if foreign:
        return ("this is not a DKIM record (it looks like an SPF/DMARC/verification string); a "
                "wildcard TXT record may be catching _domainkey names (DNS-06)")
    return ""


def _flags(name: str, tag: dict[str, str], draft: _Draft, *, sig_i_domain: str | None, sig_d: str) -> None:
    flags = [f.strip() for f in tag.get("t", "").split(":") if f.strip()]
    if "y" in flags:
        draft.testing = True
        draft.add(
            "DKIM-KEY-12", Severity.WARN, "Key still flagged as testing (t=y)",
            "t=y says the domain is testing DKIM; verifiers must not treat such mail differently "
            "from unsigned mail (RFC 6376 §3.6.1). Remove the flag once signing works.",
            evidence=(f"t={_s(tag['t'])}",), about=name,
        )
    if "s" in flags and sig_i_domain and sig_d and sig_i_domain.lower().rstrip(".") != sig_d.lower().rstrip("."):
        draft.add(
            "DKIM-KEY-13", Severity.ERROR, "Strict key (t=s) used with a subdomain identity",
            f"The key has t=s, so the i= domain must equal d= exactly; i= is @{_s(sig_i_domain)}, d= is "
            f"{_s(sig_d)} (RFC 6376 §3.6.1). Remove s from t=, or sign with i= in {_s(sig_d)} itself.",
            evidence=(f"t={_s(tag['t'])}", f"i=…@{_s(sig_i_domain)}", f"d={_s(sig_d)}"), about=name,
        )
        draft.fail("identity_mismatch")
    if "s" in tag:
        services = [s.strip() for s in tag["s"].split(":")]
        if "*" not in services and "email" not in services:
            draft.add(
                "DKIM-KEY-11", Severity.ERROR, "Key's service type excludes email",
                f"s={_s(tag['s'])} does not include email or *, so the key may not be used for mail "
                "(RFC 6376 §3.6.1). Remove s= or set s=email.",
                evidence=(f"s={_s(tag['s'])}",), about=name,
            )
            draft.fail("key_syntax")


def _unknown_tags(name: str, tags: tuple[tuple[str, str], ...], draft: _Draft) -> None:
    for key, value in tags:
        if key in OBSOLETE_TAGS:
            note = OBSOLETE_TAGS[key]
        elif key not in KNOWN_TAGS:
            note = f"{_s(key)}= is not a key tag defined by RFC 6376; verifiers ignore it"
        else:
            continue
        draft.add("DKIM-KEY-15", Severity.INFO, f"Unknown or obsolete key tag {_s(key)}=", note,
                  evidence=(f"{_s(key)}={_s(value, 60)}",), about=name)


def _key_material(answer: DnsAnswer, strings: tuple[str, ...], tag: dict[str, str], draft: _Draft, *,
                  sig_a: str) -> None:
    name = answer.name
    selector, domain = split_key_name(name)
    p = tag["p"]
    k = tag.get("k", "rsa").strip().lower()
    draft.key_type = k
    if not p.strip():
        draft.revoked = True
        fixes_out: tuple = ()
        try:
            fixes_out = (fixes.openssl_generate_key(f"{selector}-new.private"),)
        except ValueError:
            pass
        draft.add(
            "DKIM-KEY-06", Severity.ERROR, "DKIM key revoked (empty p=)",
            f"The key for s={selector} was revoked (p= is empty, RFC 6376 §3.6.1): messages still "
            "signed with it fail with \"key revoked\". If that was on purpose, the signer must "
            "move to a new selector; check which selector it signs with.",
            evidence=(f"p= (empty) at {name}",), fixes=fixes_out, about=name,
        )
        draft.fail("key_revoked")
        return
    if k not in ("rsa", "ed25519"):
        draft.add(
            "DKIM-KEY-09", Severity.ERROR, f"Unknown key type k={_s(k)}",
            "RFC 6376 and RFC 8463 define k=rsa and k=ed25519 only; verifiers cannot use this key.",
            evidence=(f"k={_s(k)}",), about=name,
        )
        draft.fail("key_type")
        return
    if sig_a:
        a_key = sig_a.split("-", 1)[0].lower()
        if a_key != k:
            draft.add(
                "DKIM-KEY-09", Severity.ERROR, "Key type does not match the signature's a=",
                f"The signature uses a={_s(sig_a)} but the key is k={k}: verifiers fail it with "
                "\"inappropriate key algorithm\" (RFC 6376 §6.1.2).",
                evidence=(f"a={_s(sig_a)}", f"k={k}"), about=name,
            )
            draft.fail("key_type")
        hash_name = sig_a.rsplit("-", 1)[-1].lower()
        if "h" in tag:
            allowed = [h.strip().lower() for h in tag["h"].split(":")]
            if hash_name not in allowed:
                draft.add(
                    "DKIM-KEY-10", Severity.ERROR, "Key's h= forbids the signature's hash",
                    f"The key allows only h={_s(tag['h'])} but the signature uses {_s(hash_name)} (a={_s(sig_a)}): "
                    "verifiers fail it with \"inappropriate hash algorithm\" (RFC 6376 §6.1.2). "
                    "Remove h= from the key record (the default allows every hash).",
                    evidence=(f"h={_s(tag['h'])}", f"a={_s(sig_a)}"), about=name,
                )
                draft.fail("key_hash")

    compact = re.sub(r"\s+", "", p)
    raw = strict_b64(p)
    if raw is None:
        _bad_base64(name, strings, compact, draft)
        return
    if k == "ed25519":
        key = ed25519_key(raw)
        if key is None:
            _unusable(name, "an Ed25519 p= must be the raw 32-byte key (RFC 8463); "
                      f"this one decodes to {len(raw)} bytes", draft)
            return
        draft.key_bits = key.bits
        draft.fingerprint = key.fingerprint
        return
    key = rsa_key(raw)
    if key is None:
        _unusable(name, _what_is_it(raw, compact), draft)
        return
    draft.key_bits = key.bits
    draft.fingerprint = key.fingerprint
    _key_size(name, selector, domain, key.bits, draft)


def _bad_base64(name: str, strings: tuple[str, ...], compact: str, draft: _Draft) -> None:
    bad = [(i, c) for i, c in enumerate(compact) if not _BASE64_CHARS.match(c)]
    problems = []
    if bad:
        shown = ", ".join(f"{c!r} at {i}" for i, c in bad[:5]) + (" …" if len(bad) > 5 else "")
        problems.append(f"p= holds characters that are not base64: {shown}")
    elif len(compact) % 4:
        problems.append(f"p= is {len(compact)} characters, not a multiple of 4: characters were lost")
    else:
        problems.append("p= is not valid base64 (padding '=' in the middle)")
    problems.extend(_truncation_hints(strings, compact))
    _unusable(name, "; ".join(problems), draft)


def _truncation_hints(strings: tuple[str, ...], compact: str) -> list[str]:
    hints = []
    n = len(compact)
    if any(len(s) == TXT_STRING_MAX for s in strings) and len(strings) == 1:
        hints.append(f"the record is one string of exactly {TXT_STRING_MAX} characters: the value "
                     "was cut at the TXT string limit and the rest was lost (DNS-01)")
    if n not in RSA_P_LENGTHS:
        bigger = [(length, bits) for length, bits in sorted(RSA_P_LENGTHS.items()) if length > n]
        if bigger:
            length, bits = bigger[0]
            hints.append(f"p= has {n} characters; a {bits}-bit key has {length}: it looks truncated "
                         f"({length - n} characters missing)")
    return hints


def _what_is_it(raw: bytes, compact: str) -> str:
    """Name the thing that was pasted instead of a public key (DKIM-KEY-07)."""
    # Imported here: only a record that is already broken gets this far, and importing
    # cryptography would cost every `check` more than the rest of the key analysis.
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        serialization.load_der_private_key(raw, password=None)
        return ("p= holds a PRIVATE key. Anyone can read DNS: treat the key as leaked, generate a "
                "new pair and publish only the public half")
    except (ValueError, TypeError):
        pass

    try:
        x509.load_der_x509_certificate(raw)
        return "p= holds an X.509 certificate, not a public key; publish the certificate's public key"
    except ValueError:
        pass
    hints = _truncation_hints((), compact)
    return "p= decodes as base64 but is not an RSA public key (DER SubjectPublicKeyInfo)" + (
        "; " + "; ".join(hints) if hints else "")


def _unusable(name: str, why: str, draft: _Draft) -> None:
    draft.add(
        "DKIM-KEY-07", Severity.CRITICAL, "p= is not a usable public key",
        f"The key at {name} cannot be used: {why}. Verifiers fail the signature with \"key syntax error\".",
        evidence=(why,), fixes=_lookup_fixes(name, draft.resolver), about=name,
    )
    draft.fail("key_syntax")


def _key_size(name: str, selector: str, domain: str, bits: int, draft: _Draft) -> None:
    size_fixes: tuple = ()
    try:
        size_fixes = (fixes.openssl_key_size(domain, selector, _server_spec(draft.resolver)),
                      fixes.openssl_generate_key(f"{selector}-2048.private"))
    except (InvalidName, ValueError):
        pass
    if bits < 1024:
        draft.add(
            "DKIM-KEY-08", Severity.ERROR, f"{bits}-bit RSA key is too short",
            "RFC 8301 §3.2: verifiers MUST NOT treat signatures with keys under 1024 bits as valid "
            "(Gmail treats them as unsigned). Rotate to a 2048-bit key under a new selector.",
            evidence=(f"{name}: {bits}-bit RSA",), fixes=size_fixes, about=name,
        )
    elif bits < 2048:
        draft.add(
            "DKIM-KEY-08", Severity.WARN, f"{bits}-bit RSA key",
            f"A {bits}-bit key is allowed, but below the RFC 8301 SHOULD (2048 bits). Rotate to a "
            "2048-bit key under a new selector (CAUSE-13, CAUSE-14).",
            evidence=(f"{name}: {bits}-bit RSA",), fixes=size_fixes, about=name,
        )
    elif bits > 4096:
        draft.add(
            "DKIM-KEY-08", Severity.WARN, f"{bits}-bit RSA key is larger than verifiers must support",
            "RFC 8301 §3.2 requires verifiers to handle keys of 1024–4096 bits only; some will not "
            "verify this one. Use 2048 bits.",
            evidence=(f"{name}: {bits}-bit RSA",), fixes=size_fixes, about=name,
        )


def _size_check(answer: DnsAnswer, draft: _Draft) -> None:
    size = answer.size
    estimated = size is None
    if size is None:
        size = sum(len(s) + 1 for record in answer.strings for s in record) + 12 + len(answer.name) + 2
    if size > UDP_CLASSIC:
        draft.add(
            "DKIM-KEY-16", Severity.WARN, "Large key response",
            f"The TXT answer for {answer.name} is {'about ' if estimated else ''}{size} bytes, over "
            f"{UDP_CLASSIC}: resolvers need EDNS0 or TCP, and networks that block TCP/53 or "
            "fragments turn this into temperror at some receivers (DNS-09).",
            evidence=(f"{answer.name} TXT: {size} bytes" + (" (estimated)" if estimated else "")
                      + f", status {answer.status}",),
            about=answer.name,
        )


def _report(answer: DnsAnswer, value: str, tags: tuple[tuple[str, str], ...], draft: _Draft, esp: str) -> KeyReport:
    usable = answer.status.answered and not draft.problem and bool(draft.fingerprint)
    return KeyReport(
        name=answer.name,
        status=answer.status,
        strings=answer.strings,
        value=value,
        cname_chain=answer.cname_chain,
        tags=tags,
        key_type=draft.key_type,
        key_bits=draft.key_bits,
        testing=draft.testing,
        revoked=draft.revoked,
        usable=usable,
        findings=tuple(draft.findings),
        fingerprint=draft.fingerprint,
        problem=draft.problem,
        esp=esp,
        corrected=draft.corrected,
    )


