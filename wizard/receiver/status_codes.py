"""Enhanced status codes (RFC 3463 / IANA registry, RFC 5248) and what they mean in practice.

The registry gives one meaning per code, but providers reuse numbers with their own meaning
(DSN-07): Gmail's 4.7.30 is "DKIM did not pass", not REQUIRETLS. So a code is explained from
three things together: the registry row, the provider that sent it, and the receiver's own
words. The registry alone never decides. Each provider's own meanings sit in its record in
wizard.receiver.providers.

The registry CSVs ship as package data (wizard/receiver/data) and are read lazily, once.
"""
from __future__ import annotations

import csv
import functools
import importlib.resources
import io
import re
from importlib.resources.abc import Traversable

from msgspec import Struct

from wizard.common.lazy_re import LazyPattern, lazy  # the tables' patterns compile on first use
from wizard.model.bounce import CodeExplanation as CodeExplanation
from wizard.receiver.providers import CodeMeaning, Provider
from wizard.tls.codes import tls_cause

# RFC 3463 §2: class.subject.detail; class 2, 4 or 5; subject and detail 1-3 digits.
_CODE = lazy(r"^([245])\.(\d{1,3})\.(\d{1,3})$")


class RegistryEntry(Struct, frozen=True):
    code: str  # registry form, "X.7.26"
    title: str
    description: str
    reference: str


def split_code(code: str) -> tuple[int, int, int] | None:
    """(class, subject, detail) of a syntactically valid enhanced code, else None."""
    m = _CODE.match(code.strip())
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def is_valid_code(code: str) -> bool:
    return split_code(code) is not None


def specificity(code: str) -> int:
    """How much a code says: 0 for X.0.0 (class only), 1 for X.Y.0 (subject only) and for
    X.4.7 (delivery time expired: says only that the sender gave up, not why), 2 otherwise."""
    parts = split_code(code)
    if parts is None:
        return -1
    _, subject, detail = parts
    if subject == 0 and detail == 0:
        return 0
    if detail == 0 or (subject, detail) == (4, 7):
        return 1
    return 2


def _csv_rows(resource: Traversable) -> csv.DictReader[str]:
    # newline="": csv handles the line ends itself (quoted fields may hold newlines).
    return csv.DictReader(io.StringIO(resource.read_bytes().decode("utf-8"), newline=""))


@functools.cache
def _registry() -> tuple[dict[str, RegistryEntry], dict[str, str]]:
    """Codes keyed "X.s.d", and class/subject titles keyed "5" / "X.7"."""
    data = importlib.resources.files("wizard.receiver") / "data"
    codes: dict[str, RegistryEntry] = {}
    for row in _csv_rows(data / "enhanced-status-codes.csv"):
        title = " ".join((row.get("sample_text") or "").split())
        codes[row["code"]] = RegistryEntry(
            code=row["code"],
            title=title,
            description=" ".join((row.get("description") or "").split()),
            reference=row.get("reference") or "",
        )
    titles: dict[str, str] = {}
    for row in _csv_rows(data / "enhanced-status-classes.csv"):
        key = row["code"]
        if row["kind"] == "class":
            titles[key.split(".")[0]] = row["summary"]
        else:
            titles[".".join(key.split(".")[:2])] = row["summary"]
    return codes, titles


def registry_entry(code: str) -> RegistryEntry | None:
    parts = split_code(code)
    if parts is None:
        return None
    return _registry()[0].get(f"X.{parts[1]}.{parts[2]}")


# ---------------------------------------------------------------------------------------
# What each topic means for the person holding the bounce. Keyed by topic; the code's
# explanation picks one topic from provider + text + registry and quotes these.

class _Topic(Struct, frozen=True):
    plain: str
    causes: tuple[str, ...]
    next_steps: tuple[str, ...]


_DNS_NOTE = "SPF, DKIM and DMARC records are not involved; changing DNS will not fix this."

_TOPICS: dict[str, _Topic] = {
    "dmarc": _Topic(
        "The receiver applied the From domain's DMARC policy: neither SPF nor DKIM passed for a "
        "domain aligned with the From address, and the policy says reject (or quarantine).",
        (
            "The sending service is not in the SPF record of the MAIL FROM domain, or uses its own "
            "MAIL FROM domain, so SPF passes for a domain that is not aligned with From.",
            "The message is not DKIM-signed with the From domain (d= is the provider's domain), or "
            "the signature broke in transit (forwarding, a list, a gateway footer).",
            "The DKIM key or SPF record is missing, mistyped or split wrongly in DNS.",
        ),
        (
            "Check the returned headers: which d= signed it, what the MAIL FROM (Return-Path) was.",
            "Make at least one of SPF or DKIM pass for a domain aligned with the From domain.",
            "Look up the DMARC record: dig +short TXT _dmarc.<from-domain>.",
        ),
    ),
    "multiple_auth": _Topic(
        "The receiver checked SPF, DKIM and DMARC together and the message did not pass enough of "
        "them (registry X.7.26: multiple authentication checks failed).",
        (
            "Neither SPF nor DKIM passed, or neither passed for a domain aligned with the From "
            "address while the From domain publishes DMARC p=reject/quarantine.",
            "A new sending service (CRM, ticketing, newsletter tool) sends as your domain but was "
            "never added to SPF or given a DKIM key.",
            "Forwarding or a mailing list changed the message and broke DKIM, and SPF fails "
            "because the forwarder's IP is not yours.",
        ),
        (
            "Find the sending IP and MAIL FROM in the returned headers; check SPF for that domain.",
            "Check the DKIM-Signature d= and s= and that the key exists at s._domainkey.d.",
            "Check the From domain's DMARC record and alignment (relaxed: same organisational domain).",
        ),
    ),
    "dkim": _Topic(
        "DKIM did not pass at the receiver: the message carried no usable DKIM signature, or the "
        "signature did not verify.",
        (
            "The sending system does not sign, or signs with a domain the receiver does not accept.",
            "The public key is missing, revoked or mistyped at <selector>._domainkey.<domain>.",
            "The message was changed after signing (footer, link rewriting, re-encoding).",
        ),
        (
            "Check the DKIM-Signature header in the returned message (d=, s=).",
            "Look up the key: dig +short TXT <selector>._domainkey.<domain>.",
            "Send a test to a mailbox that shows Authentication-Results and read the dkim= result.",
        ),
    ),
    "dkim_required": _Topic(
        "The receiver requires a DKIM signature from this sender and found none.",
        (
            "DKIM signing is not enabled on the server or service that sent the message.",
            "Signing is configured for a different domain than the one in From.",
        ),
        (
            "Enable DKIM signing for the From domain on the sending system and publish its key.",
            "Check the returned headers: is there any DKIM-Signature at all?",
        ),
    ),
    "spf": _Topic(
        "SPF did not pass: the sending IP is not authorised by the SPF record of the MAIL FROM "
        "(Return-Path) domain, or that record is broken.",
        (
            "The sending server or service is not listed in the SPF record.",
            "The SPF record has a syntax error or needs more than 10 DNS lookups (permerror).",
            "The message was forwarded, so it arrived from the forwarder's IP.",
        ),
        (
            "Find the MAIL FROM domain (Return-Path) and the sending IP in the returned headers.",
            "Look up the record: dig +short TXT <mail-from-domain>, and add the sender.",
        ),
    ),
    "alignment": _Topic(
        "SPF or DKIM may pass, but not for a domain aligned with the From address, so DMARC fails.",
        (
            "The ESP uses its own MAIL FROM (bounce) domain and signs DKIM with its own d=.",
        ),
        (
            "Set up a custom MAIL FROM / return-path domain and DKIM with your own domain at the ESP.",
        ),
    ),
    "ptr": _Topic(
        "The sending IP has no reverse DNS (PTR) name, or the name does not resolve back to the "
        "IP (forward-confirmed reverse DNS failed).",
        ("No PTR record for the sending IP.", "PTR name has no A/AAAA record with that IP.",
         "Sending over IPv6 from an address without PTR."),
        ("dig +short -x <sending-ip>, then dig +short A <that-name>; they must match.",
         "Ask the owner of the IP range (hosting provider/ISP) to set the PTR record."),
    ),
    "ipv6": _Topic(
        "The receiver refused the message because it arrived over IPv6. Receivers hold IPv6 "
        "senders to stricter rules (PTR record, SPF/DKIM pass) or refuse IPv6 for some domains.",
        ("The sending IPv6 address has no PTR record.",
         "SPF does not list the IPv6 address (only the IPv4 one).",
         "The recipient domain does not accept IPv6 mail at all."),
        ("dig +short -x <sending-ipv6>; add a PTR whose name resolves back (AAAA) to it.",
         "Add the IPv6 range to SPF (ip6:…), or send to this receiver over IPv4."),
    ),
    "tls": _Topic(
        "TLS between the sending server and the receiving MX failed, or one side required TLS "
        "the other did not provide (STARTTLS, MTA-STS, DANE). This happens before the message "
        "itself is checked: the sender's authentication records are not involved.",
        ("The receiving MX's certificate is expired, names another host or does not chain to a "
         "trusted CA.",
         "The recipient domain's TLSA records (DANE) or MTA-STS policy do not match its MX.",
         "The sending server does not use STARTTLS where the receiver requires it."),
        ("Check the recipient domain's MX: mailtriage tls <recipient-domain> (STARTTLS, "
         "certificate, MTA-STS, DANE).",
         "If the receiver demands TLS from you: enable STARTTLS on the sending MTA (e.g. "
         "Postfix smtp_tls_security_level=may)."),
    ),
    "requiretls": _Topic(
        "The message asked for REQUIRETLS (RFC 8689) and a server on the path does not support it.",
        ("A hop on the path does not advertise REQUIRETLS.",),
        ("Send without REQUIRETLS or route via servers that support it.",),
    ),
    "arc": _Topic(
        "The receiver tried to validate the ARC chain added by intermediaries and it failed "
        "(RFC 8617 §5.2.2).",
        ("An intermediary broke the ARC seal or added a malformed ARC set.",),
        ("Check the ARC-Seal / ARC-Message-Signature headers of the returned message.",),
    ),
    "null_mx": _Topic(
        "The sender's domain publishes a null MX (RFC 7505): it declares it receives no mail, so "
        "receivers refuse mail from it.",
        ("The MAIL FROM or From domain has 'MX 0 .'.",),
        ("dig +short MX <sender-domain>; publish real MX records or send from another domain.",),
    ),
    "rate": _Topic(
        "The receiver is limiting mail from this sender because of volume or reputation. This is "
        "usually temporary; authentication may be fine.",
        ("A sudden rise in volume.", "High complaint rate or poor IP/domain reputation.",),
        ("Slow down and spread sending over time; retry later.",
         "Check complaint rates (Google Postmaster Tools, Yahoo feedback loop, Microsoft SNDS)."),
    ),
    "reputation": _Topic(
        "The receiver judged the sender's reputation too low or the message suspicious.",
        ("Poor IP or domain reputation, spam complaints, or content that looks like spam.",),
        ("Check the sending IP and domain reputation; make sure SPF, DKIM and DMARC pass.",),
    ),
    "blocklist": _Topic(
        "The sending IP (or domain) is on a blocklist the receiver uses. This is not an "
        "authentication fault.",
        ("The IP sent spam or is in a range listed as dynamic/residential.",),
        ("Look the IP up on the named list and follow its delisting procedure.",
         "Find why it was listed (compromised account, open relay) before delisting."),
    ),
    "smtp_auth": _Topic(
        "This is about SMTP AUTH — logging in to a mail server (RFC 4954) — or an internal-only "
        "recipient, not about SPF, DKIM or DMARC. " + _DNS_NOTE,
        (
            "The mail client or application is not logging in to its outgoing (submission) server, "
            "or uses wrong credentials.",
            "The recipient (often a distribution group) accepts mail only from authenticated "
            "internal senders.",
            "The login account is disabled or needs a different authentication mechanism.",
        ),
        (
            "Turn on SMTP authentication in the client/application (port 587 with STARTTLS) and "
            "check the username and password.",
            "If the recipient is an internal-only group, ask its owner to allow external senders.",
        ),
    ),
    "relay": _Topic(
        "The server refused to relay: it is not responsible for the recipient's domain and the "
        "sender was not authorised to relay through it. " + _DNS_NOTE,
        ("Sending through the wrong server, or without SMTP AUTH.",
         "The recipient domain's MX points at a server that does not know the domain."),
        ("Send through your own submission server with SMTP AUTH.",
         "If you run the receiving server, add the domain to its accepted domains."),
    ),
    "rfc5322": _Topic(
        "The message is not formatted as RFC 5322 requires (for example duplicate Subject/From "
        "headers, several addresses in From, or a missing Message-ID).",
        ("A script or application builds headers by hand and repeats or omits some.",),
        ("Inspect the returned headers for duplicates or missing required headers and fix the "
         "generating application.",),
    ),
    "content": _Topic(
        "The receiver rejected the message for its content (spam, malware or policy filter).",
        ("Content or attachments matched a filter.",),
        ("Review the content and attachments; ask the receiver's postmaster which rule matched.",),
    ),
    "helo": _Topic(
        "The name the sending server gave in HELO/EHLO was rejected.",
        ("HELO name is not a fully qualified domain name or does not resolve.",),
        ("Set the MTA's HELO name to a resolvable FQDN matching its PTR.",),
    ),
    "bare_lf": _Topic(
        "The message contained bare line feeds (LF without CR), which SMTP forbids.",
        ("The sending application writes LF line endings into the SMTP DATA stream.",),
        ("Fix the sending application or MTA to send CRLF line endings.",),
    ),
    "policy": _Topic(
        "The receiver refused the message by local policy. The code alone does not say which "
        "policy; the receiver's text below is the best clue.",
        ("Authentication (SPF/DKIM/DMARC), reputation, content or recipient restrictions.",),
        ("Read the receiver's text and any help link it gives; check the findings below.",),
    ),
    "mailbox": _Topic(
        "A problem with the recipient's mailbox (unknown, disabled, full).",
        ("The address is mistyped, was closed, or is over quota.",),
        ("Check the recipient address; nothing in your DNS or authentication is involved.",),
    ),
    "address": _Topic(
        "A problem with the address or its domain.",
        ("Mistyped address or a domain that does not receive mail.",),
        ("Check the recipient address and its domain's MX records.",),
    ),
    "network": _Topic(
        "The message could not be routed or the connection to the receiver failed.",
        ("Receiver unreachable, DNS failure for the recipient domain, or timeouts.",),
        ("Check the recipient domain's MX records and whether its servers answer.",),
    ),
    "expired": _Topic(
        "The sender kept retrying a temporary problem until the message expired in its queue.",
        ("The receiver kept deferring (rate limits, greylisting, outages) or was unreachable.",),
        ("Look for the last temporary reply in the bounce; it names the real cause.",),
    ),
    "system": _Topic(
        "The receiving mail system had a problem (full, misconfigured or not accepting mail).",
        ("Receiver-side problem.",),
        ("Retry later or contact the receiver's postmaster.",),
    ),
    "protocol": _Topic(
        "The SMTP conversation itself failed (unexpected command or syntax).",
        ("Client/server protocol mismatch, often a consequence of an earlier rejection.",),
        ("Look at the earlier reply in the transcript.",),
    ),
    "media": _Topic(
        "The message content or encoding could not be handled by the receiver.",
        ("Unsupported encoding, 8-bit data to a 7-bit server, or a too-long line.",),
        ("Check encodings and line lengths of the generating application.",),
    ),
    "success": _Topic("Delivery succeeded (this is a success notice, not a failure).", (), ()),
    "other": _Topic(
        "The code gives only the class of the problem; the receiver's text is the best clue.",
        (),
        ("Read the receiver's text; check the findings below.",),
    ),
}


# Provider-independent wording that settles the meaning of a code whose number is ambiguous.
# Order matters: the first match wins.
_TEXT_MEANINGS: tuple[tuple[LazyPattern, str, str], ...] = tuple(
    (lazy(p, re.I), meaning, topic)
    for p, meaning, topic in (
        (r"DKIM[^.]{0,60}\b(required|mandatory)|(required|requires)[^.]{0,40}\bDKIM"
         r"|no DKIM signature|not DKIM[- ]signed|DKIM signature (is )?missing",
         "The receiver requires a DKIM signature and found none", "dkim_required"),
        (r"RESOLVER\.RST\.AuthRequired|authentication required|Unauthenticated senders not allowed"
         r"|turn on SMTP Authentication|SMTP AUTH|must (be )?authenticate(d)? (first|before)"
         r"|relay access denied.{0,40}auth",
         "SMTP AUTH / internal-sender restriction, not SPF/DKIM", "smtp_auth"),
        (r"RecipientNotFound|RecipNotFound|Recipient not found", "the recipient was not found",
         "mailbox"),
        (r"\bARC\b[^.]{0,40}(validation|fail)", "ARC validation failed", "arc"),
        (r"REQUIRETLS", "REQUIRETLS support required", "requiretls"),
    )
)

# Registry topics by code (DSN-06); subject-level fallbacks below.
_REGISTRY_TOPICS = {
    "X.7.1": "policy", "X.7.0": "policy", "X.7.2": "policy",
    "X.7.8": "smtp_auth", "X.7.9": "smtp_auth", "X.7.11": "smtp_auth", "X.7.12": "smtp_auth",
    "X.7.13": "smtp_auth", "X.7.14": "smtp_auth", "X.5.6": "smtp_auth",
    "X.7.10": "tls", "X.7.20": "dkim", "X.7.21": "dkim", "X.7.22": "dkim",
    "X.7.23": "spf", "X.7.24": "spf", "X.7.25": "ptr", "X.7.26": "multiple_auth",
    "X.7.27": "null_mx", "X.7.28": "rate", "X.7.29": "arc", "X.7.30": "requiretls",
    # X.7.5 "Cryptographic failure" (RFC 3463) is TLS's; DKIM words in the text make it DKIM's
    # (_REUSED).
    "X.7.5": "tls", "X.7.7": "content",
    "X.4.7": "expired", "X.1.10": "address",
    "X.2.1": "mailbox", "X.2.2": "mailbox", "X.1.1": "mailbox", "X.1.6": "mailbox",
}
_SUBJECT_TOPICS = {0: "other", 1: "address", 2: "mailbox", 3: "system", 4: "network",
                   5: "protocol", 6: "media", 7: "policy"}

# Words in the text that pin down the topic of a generic code (X.7.1, X.0.0, ...).
_TEXT_TOPICS: tuple[tuple[LazyPattern, str], ...] = tuple(
    (lazy(p, re.I), t)
    for p, t in (
        (r"DMARC", "dmarc"),
        (r"unauthenticated email|sender is unauthenticated|authentication information"
         r"|authenticate with either SPF or DKIM|required authentication level", "multiple_auth"),
        (r"RFC ?5322|multiple addresses in From|duplicate header|multiple \w+ headers", "rfc5322"),
        (r"\bDKIM\b|DomainKeys", "dkim"),
        (r"\bSPF\b|sender policy framework|Purported Responsible Address", "spf"),
        (r"\bPTR\b|reverse DNS|IP name lookup failed|mismatches client ip", "ptr"),
        (r"relay access denied|relaying denied|not permitted to relay|relay not permitted",
         "relay"),
        (r"STARTTLS|TLS (is )?required|over a TLS|not sent over TLS|\bTLS connection", "tls"),
        (r"spamhaus|blocked using|\bdnsbl\b|\brbl\b|blacklist|blocklist|banned sending IP",
         "blocklist"),
        (r"rate limit|unusual rate|unexpected volume|TSS04|too many (messages|connections)",
         "rate"),
        (r"reputation|suspicious", "reputation"),
    )
)

# Full explanations for the codes users bring most (task requirement): the registry meaning
# and the meanings seen in the wild, both stated, so nobody acts on the wrong one.
_SPECIAL: dict[str, _Topic] = {
    "X.7.13": _Topic(
        "Registry meaning (RFC 5248, for RFC 4954 SMTP AUTH): 'User account disabled' — the "
        "client logged in to the server successfully, but the account is disabled. Some web "
        "pages describe 5.7.13 as 'DKIM signing required'; that is not what the registry says, "
        "so treat it as DKIM only when the receiver's text mentions DKIM.",
        (
            "The mailbox or service account used to log in (SMTP AUTH) was disabled by its "
            "administrator (abuse, unpaid account, suspected compromise).",
            "If the text mentions DKIM: the receiver requires a DKIM signature and none was present.",
        ),
        (
            "Ask the administrator of the sending account to re-enable it; changing the password "
            "or DNS will not help while it is disabled.",
            "Only if the text mentions DKIM: enable DKIM signing for the From domain and publish "
            "the key at <selector>._domainkey.<domain>.",
        ),
    ),
    "X.7.14": _Topic(
        "Registry meaning (RFC 5248): 'Trust relationship required' — the submission server "
        "needs a configured trust relationship with a third-party server to get at the message "
        "content (an SMTP AUTH / submission-level condition). Some receivers use 5.7.14 for "
        "'DKIM verification failed'; decide by the text: DKIM words mean DKIM, otherwise it is "
        "an authentication-between-servers problem that DNS records do not fix.",
        (
            "The client or connector is not set up as trusted (e.g. a connector/partner "
            "relationship or authenticated submission is missing).",
            "If the text mentions DKIM: the DKIM signature did not verify (key missing or wrong, "
            "message changed after signing).",
        ),
        (
            "Check the sending connector / submission credentials with the receiving server's "
            "administrator.",
            "Only if the text mentions DKIM: check the DKIM-Signature d=/s= in the returned "
            "headers and the key at s._domainkey.d.",
        ),
    ),
    "X.7.26": _TOPICS["multiple_auth"],
}


# What one provider's rejection of a topic means there; said only when that provider sent
# the bounce, since the same code from another receiver need not mean it.
_AT_PROVIDER = {
    ("Gmail", "multiple_auth"):
        "At Gmail this is the 'unauthenticated email' rejection: the From domain's DMARC "
        "policy applied, or the message passed neither SPF nor DKIM, which Gmail requires of "
        "every sender.",
}


def _subject_title(parts: tuple[int, int, int]) -> str:
    titles = _registry()[1]
    return titles.get(f"X.{parts[1]}", "Unknown subject")


def explain_code(code: str, *, provider: Provider | None, text: str) -> CodeExplanation:
    """Explain `code` for a bounce from `provider` whose reply text is `text`.

    Never raises: an invalid code gets an explanation that says so."""
    code = code.strip()
    parts = split_code(code)
    text = text or ""
    provider_name = provider.name if provider else None
    if parts is None:
        topic = _TOPICS["other"]
        return CodeExplanation(
            code, False, "Invalid", "Invalid", None, None, None, provider_name, None, "other",
            f"'{code}' is not a valid enhanced status code (RFC 3463 §2: class 2, 4 or 5, then "
            "subject and detail of 1-3 digits).",
            topic.causes, topic.next_steps,
        )
    cls, subject, detail = parts
    codes, titles = _registry()
    key = f"X.{subject}.{detail}"
    entry = codes.get(key)
    class_title = titles.get(str(cls), "")

    registry_topic = _REGISTRY_TOPICS.get(key) or _SUBJECT_TOPICS.get(subject, "other")
    provider_meaning: str | None = None
    own = _provider_meaning(code, provider, text)
    if own is not None:
        topic_name = own.topic
        if own.clashes or entry is None:
            provider_meaning = own.meaning
    else:
        topic_name, provider_meaning = _topic_by_text(key, registry_topic, text, code)
    if cls == 2:
        topic_name, provider_meaning = "success", None

    if key in _SPECIAL and topic_name == registry_topic:
        body = _SPECIAL[key]
    else:
        body = _TOPICS.get(topic_name, _TOPICS["other"])
    plain = body.plain
    if key in _SPECIAL and body is not _SPECIAL[key]:
        plain = f"{plain} {_SPECIAL[key].plain}"
    at_provider = _AT_PROVIDER.get((provider_name or "", topic_name))
    if at_provider:
        plain = f"{plain} {at_provider}"
    if cls == 4 and topic_name != "success":
        plain += " The code is temporary (4.x.x): the sender retries, and it may still succeed."
    return CodeExplanation(
        code=code,
        valid=True,
        class_title=class_title,
        subject_title=_subject_title(parts),
        registry_title=entry.title if entry else None,
        registry_description=entry.description if entry else None,
        registry_reference=entry.reference if entry else None,
        provider=provider_name,
        provider_meaning=provider_meaning,
        topic=topic_name,
        plain=plain,
        causes=body.causes,
        next_steps=body.next_steps,
    )


def _provider_meaning(code: str, provider: Provider | None, text: str) -> CodeMeaning | None:
    """The provider's own meaning of `code` (DSN-07), when its record has one and the text
    does not contradict it."""
    if provider is None:
        return None
    for meaning in provider.meanings:
        if not meaning.code.match(code):
            continue
        if meaning.text is not None and not meaning.text.search(text):
            continue
        if meaning.unless is not None and meaning.unless.search(text):
            continue
        return meaning
    return None


def _topic_by_text(key: str, registry_topic: str, text: str, code: str) -> tuple[str, str | None]:
    """Topic and, when it departs from the registry, the meaning the text gives."""
    for pattern, meaning, topic in _TEXT_MEANINGS:
        if pattern.search(text):
            if topic == registry_topic:
                return topic, None
            return topic, f"{meaning} (from the receiver's text)"
    tls = tls_cause(code, text) if registry_topic not in ("tls", "requiretls") else None
    if tls is not None:  # a TLS wording (diagnoses.md §14) decides whatever the code's number
        return "tls", f"{tls.meaning} (from the receiver's text)"
    text_topic = _topic_from_text(text)
    # Generic codes (X.7.1, X.0.0, ...) say nothing by themselves, and the SMTP AUTH codes are
    # reused loosely by receivers, so words in the text about SPF/DKIM/DMARC etc. decide.
    if text_topic and registry_topic in ("policy", "other", "system", "smtp_auth"):
        if registry_topic == "smtp_auth":
            return text_topic, f"{_TOPIC_NAMES[text_topic]} (from the receiver's text)"
        return text_topic, None
    if text_topic and key in _REUSED and text_topic != registry_topic:
        return text_topic, f"{_TOPIC_NAMES[text_topic]} (from the receiver's text)"
    return registry_topic, None


# Codes providers are known to reuse with another meaning (DSN-07): the text decides even when
# the provider is not recognised.
_REUSED = frozenset({"X.7.23", "X.7.27", "X.7.29", "X.7.30", "X.7.28", "X.7.5"})

_TOPIC_NAMES = {
    "dmarc": "DMARC policy enforcement", "multiple_auth": "SPF/DKIM/DMARC authentication failed",
    "dkim": "DKIM did not pass", "spf": "SPF did not pass", "ptr": "reverse DNS (PTR) failed",
    "relay": "relaying refused", "tls": "TLS required", "rfc5322": "message not RFC 5322 compliant",
    "blocklist": "sending IP on a blocklist", "rate": "rate limited",
    "reputation": "poor sender reputation",
}


def _topic_from_text(text: str) -> str | None:
    for pattern, topic in _TEXT_TOPICS:
        if pattern.search(text):
            return topic
    return None


def class_agrees(reply_code: int, enhanced: str) -> bool:
    """RFC 3463: the class should agree with the basic reply code's first digit (DSN-05)."""
    parts = split_code(enhanced)
    return parts is not None and parts[0] == reply_code // 100
