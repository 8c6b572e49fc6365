"""The finding catalogue: every diagnosis the engine emits, with its title and severity as
../shared/reference/diagnoses.md names them and the section of that file it belongs to.

Data only (it is read on the `check` path, so importing it builds one dict and nothing else).
A finding's own title says what was seen in this message; the catalogue's says which
diagnosis it is. `severity` is the reference's; where the reference gives none (CAUSE-nn) or
a range ("WARN/ERROR"), it is the worst the engine emits. tests/test_catalogue.py holds the
rules: every id the engine emits is here and in diagnoses.md, and one module emits it.
"""
from __future__ import annotations

from msgspec import Struct

from wizard.model.findings import Severity


class Diagnosis(Struct, frozen=True):
    id: str
    title: str
    severity: Severity
    section: str  # the diagnoses.md section ("DKIM signature", "SPF", ...)


_C, _E, _W, _I = Severity.CRITICAL, Severity.ERROR, Severity.WARN, Severity.INFO

# The diagnoses.md sections, in its order.
_EVID = 'Evidence quality and input normalisation'
_SIG = 'DKIM signature'
_KEY = 'DKIM key record'
_DNS = 'DNS behaviour'
_CANON = 'Canonicalisation and body'
_DMARC = 'DMARC'
_SPF = 'SPF'
_ARC = 'ARC'
_AR = 'Authentication-Results and other trace headers'
_DSN = 'Bounces, DSNs and enhanced status codes'
_PROV = 'Mailbox-provider sender requirements'
_CAUSE = 'Real-world causes and how to recognise them in a message'

_ROWS = (
    ('AR-01', 'Which A-R to trust', _I, _AR),
    ('AR-02', 'Parsing', _I, _AR),
    ('AR-03', 'Result vocabulary', _I, _AR),
    ('AR-04', '`dkim=policy`', _W, _AR),
    ('AR-05', '`dkim=neutral`', _I, _AR),
    ('AR-06', 'Comment strings → diagnoses', _I, _AR),
    ('AR-07', 'Microsoft composite authentication', _I, _AR),
    ('AR-10', 'Other trace headers', _I, _AR),
    ('AR-11', 'No A-R at all', _I, _AR),
    ('ARC-01', 'ARC sets present', _I, _ARC),
    ('ARC-02', 'Broken structure', _C, _ARC),
    ('ARC-03', '`cv=` values', _C, _ARC),
    ('ARC-04', 'AMS / AS verification', _C, _ARC),
    ('ARC-05', 'Reconstructing the original authentication', _I, _ARC),
    ('ARC-06', 'Trust in the sealer', _I, _ARC),
    ('ARC-07', '`5.7.29` in a bounce', _I, _ARC),
    ('ARC-08', 'ARC in Authentication-Results', _I, _ARC),
    ('CANON-01', 'Body changed vs header changed — the first split', _I, _CANON),
    ('CANON-02', '`simple` header canonicalisation', _E, _CANON),
    ('CANON-04', '`simple` body canonicalisation', _E, _CANON),
    ('CANON-06', 'Empty-body hash values', _I, _CANON),
    ('CANON-07', 'Bare LF / CR and line ending changes', _E, _CANON),
    ('CANON-08', 'Content-Transfer-Encoding changed in transit', _E, _CANON),
    ('CANON-09', 'Long lines re-wrapped', _E, _CANON),
    ('CANON-11', 'Content appended (footers, disclaimers, tags in the body)', _E, _CANON),
    ('CANON-12', 'Links or content rewritten by a gateway', _E, _CANON),
    ('CANON-13', 'A signed header value changed', _E, _CANON),
    ('CANON-14', 'MIME restructured', _E, _CANON),
    ('CAUSE-07', 'Subject or header tagging', _E, _CAUSE),
    ('CAUSE-09', 'Header refolding or whitespace changes', _E, _CAUSE),
    ('CAUSE-10', 'Duplicate or oversigned headers', _E, _CAUSE),
    ('CAUSE-15', 'Third-party sender not set up', _I, _CAUSE),
    ('CAUSE-17', 'ESP default return-path', _I, _CAUSE),
    ('CAUSE-19', 'Clock problems on the signer', _W, _CAUSE),
    ('CAUSE-20', 'SMTP AUTH confused with email authentication', _E, _CAUSE),
    ('DKIM-KEY-02', 'Name exists but holds no TXT (NODATA)', _C, _KEY),
    ('DKIM-KEY-03', 'DNS failure fetching the key', _E, _KEY),
    ('DKIM-KEY-04', 'Several TXT records at the selector', _E, _KEY),
    ('DKIM-KEY-05', 'Key record syntax error', _C, _KEY),
    ('DKIM-KEY-06', 'Key revoked (empty `p=`)', _E, _KEY),
    ('DKIM-KEY-07', '`p=` not a usable public key', _C, _KEY),
    ('DKIM-KEY-08', 'Key size', _E, _KEY),
    ('DKIM-KEY-09', 'Key type does not match `a=`', _E, _KEY),
    ('DKIM-KEY-10', "Key's `h=` forbids the hash used", _E, _KEY),
    ('DKIM-KEY-11', 'Service type excludes email', _E, _KEY),
    ('DKIM-KEY-12', 'Testing flag `t=y`', _W, _KEY),
    ('DKIM-KEY-13', 'Strict flag `t=s` with a subdomain `i=`', _E, _KEY),
    ('DKIM-KEY-14', 'Published key does not match the signing key', _C, _KEY),
    ('DKIM-KEY-15', 'Unknown or obsolete key tags', _I, _KEY),
    ('DKIM-KEY-16', 'Very large key or response', _W, _KEY),
    ('DKIM-SIG-01', 'Message not DKIM-signed', _W, _SIG),
    ('DKIM-SIG-02', 'Tag-list syntax error or duplicate tag', _E, _SIG),
    ('DKIM-SIG-03', 'Required tag missing', _E, _SIG),
    ('DKIM-SIG-04', 'Unsupported version', _E, _SIG),
    ('DKIM-SIG-05', 'rsa-sha1 signature', _E, _SIG),
    ('DKIM-SIG-06', 'Unknown or unsupported algorithm; Ed25519-only signing', _E, _SIG),
    ('DKIM-SIG-07', 'Canonicalisation choice', _E, _SIG),
    ('DKIM-SIG-09', '`i=` not inside `d=`', _E, _SIG),
    ('DKIM-SIG-10', 'From not signed', _E, _SIG),
    ('DKIM-SIG-11', 'Weak header coverage', _W, _SIG),
    ('DKIM-SIG-12', 'Oversigning and headers added in transit', _E, _SIG),
    ('DKIM-SIG-13', 'Signed headers that relays commonly rewrite', _W, _SIG),
    ('DKIM-SIG-14', 'Body length limit `l=`', _W, _SIG),
    ('DKIM-SIG-15', 'Timestamp in the future', _W, _SIG),
    ('DKIM-SIG-16', 'Signature expired (`x=`)', _E, _SIG),
    ('DKIM-SIG-17', 'Malformed `b=` / `bh=`', _E, _SIG),
    ('DKIM-SIG-18', 'Unsupported query method', _E, _SIG),
    ('DKIM-SIG-19', 'Several signatures', _I, _SIG),
    ('DKIM-SIG-20', 'Duplicate identical signer', _W, _SIG),
    ('DKIM-SIG-21', '`z=` copied headers', _I, _SIG),
    ('DKIM-SIG-22', 'The DKIM-Signature header itself was altered', _E, _SIG),
    ('DMARC-01', 'No DMARC record', _W, _DMARC),
    ('DMARC-02', 'Several DMARC records', _C, _DMARC),
    ('DMARC-03', 'Record not recognised as DMARC', _C, _DMARC),
    ('DMARC-04', 'Missing or invalid `p=`', _E, _DMARC),
    ('DMARC-05', 'Invalid tag values', _E, _DMARC),
    ('DMARC-06', 'Alignment failure with SPF/DKIM passing', _C, _DMARC),
    ('DMARC-07', 'Strict alignment with subdomains', _C, _DMARC),
    ('DMARC-08', 'Organisational domain: PSL vs tree walk', _I, _DMARC),
    ('DMARC-09', 'Which policy applied: `p`, `sp`, `np`', _I, _DMARC),
    ('DMARC-10', 'Sampling: `pct` (RFC 7489) and `t` (RFC 9989)', _W, _DMARC),
    ('DMARC-11', 'External report address not authorised', _W, _DMARC),
    ('DMARC-12', 'No reporting address', _I, _DMARC),
    ('DMARC-13', 'Failure reports (`ruf`, `fo`)', _I, _DMARC),
    ('DMARC-14', 'From header problems', _C, _DMARC),
    ('DMARC-16', 'DMARC enforcement seen in a bounce', _C, _DMARC),
    ('DMARC-17', 'Temporary DMARC failure', _W, _DMARC),
    ('DMARC-20', 'Policy stuck at `p=none`', _I, _DMARC),
    ('DMARC-21', 'RFC 9989 changes the tool must know', _I, _DMARC),
    ('DMARC-22', '`_dmarc` delegated by CNAME', _I, _DMARC),
    ('DNS-03', 'CNAME delegation (ESP-hosted keys, hosted DMARC/SPF)', _I, _DNS),
    ('DNS-04', 'Propagation, TTL and negative caching', _I, _DNS),
    ('DNS-05', 'Authoritative servers disagree', _E, _DNS),
    ('DNS-07', 'Record at the wrong name', _C, _DNS),
    ('DNS-09', 'Truncation, EDNS0 and TCP fallback', _W, _DNS),
    ('DNS-10', 'Lame or unreachable delegation', _E, _DNS),
    ('DNS-11', 'Null MX on the sender domain', _C, _DNS),
    ('DNS-12', 'Sender or From domain does not exist', _C, _DNS),
    ('DNS-13', 'Reverse DNS (PTR / FCrDNS)', _C, _DNS),
    ('DNS-14', "The tool's DNS view differs from the receiver's", _I, _DNS),
    ('DSN-01', 'Classify the bounce', _I, _DSN),
    ('DSN-03', '`Status:` less specific than the SMTP reply', _I, _DSN),
    ('DSN-05', 'Enhanced code syntax and consistency', _W, _DSN),
    ('DSN-06', 'Map registry codes to diagnoses', _I, _DSN),
    ('DSN-07', 'Provider codes that clash with the registry', _I, _DSN),
    ('DSN-08', 'Where in the SMTP dialogue it was rejected', _I, _DSN),
    ('DSN-10', 'Identify the remote provider', _I, _DSN),
    ('DSN-11', 'Recipient identity', _I, _DSN),
    ('DSN-12', 'Use the returned message', _I, _DSN),
    ('DSN-15', 'Text patterns → diagnoses', _I, _DSN),
    ('DSN-17', 'Rate limits and deferrals', _I, _DSN),
    ('EVID-01', 'Kind of input', _I, _EVID),
    ('EVID-02', 'Line endings', _W, _EVID),
    ('EVID-03', 'Message not in its original form', _E, _EVID),
    ('EVID-04', 'Only headers, or a truncated body, available', _I, _EVID),
    ('EVID-05', 'Verified after delivery-time changes (post-receipt rewriting)', _W, _EVID),
    ('EVID-06', 'Time of check vs time of sending', _I, _EVID),
    ('EVID-07', 'Which hop is "the receiver"?', _I, _EVID),
    ('PROV-02', 'Gmail — senders of 5,000+ messages a day to personal accounts', _C, _PROV),
    ('PROV-03', 'Yahoo (from February 2024)', _C, _PROV),
    ('PROV-04', 'Microsoft Outlook.com consumer domains (from 5 May 2025)', _C, _PROV),
    ('PROV-07', 'PTR, TLS and RFC 5322 formatting', _C, _PROV),
    ('SPF-01', 'No SPF record', _E, _SPF),
    ('SPF-02', 'Several SPF records', _C, _SPF),
    ('SPF-03', 'Not an SPF record', _E, _SPF),
    ('SPF-04', 'Syntax error', _C, _SPF),
    ('SPF-05', 'More than 10 DNS-querying terms', _C, _SPF),
    ('SPF-06', 'More than two void lookups', _C, _SPF),
    ('SPF-07', '`mx` with too many hosts; `a`/`mx` with no address', _E, _SPF),
    ('SPF-08', '`include` of a domain without SPF', _C, _SPF),
    ('SPF-09', '`redirect` problems', _E, _SPF),
    ('SPF-10', '`ptr` mechanism', _W, _SPF),
    ('SPF-11', 'Permissive or missing `all`', _E, _SPF),
    ('SPF-12', '`~all` vs `-all`', _I, _SPF),
    ('SPF-13', 'Sending IP not authorised', _C, _SPF),
    ('SPF-14', 'IPv6 sending not covered', _C, _SPF),
    ('SPF-15', 'Forwarding breaks SPF', _I, _SPF),
    ('SPF-16', 'HELO identity and null sender', _I, _SPF),
    ('SPF-17', 'DNS errors', _W, _SPF),
    ('SPF-18', 'Record too large', _W, _SPF),
    ('SPF-19', 'Macros', _I, _SPF),
    ('SPF-20', 'Redundant or overlapping terms', _W, _SPF),
    ('SPF-21', '`Received-SPF` header', _I, _SPF),
)

CATALOGUE: dict[str, Diagnosis] = {row[0]: Diagnosis(*row) for row in _ROWS}
