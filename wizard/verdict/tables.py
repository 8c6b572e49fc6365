"""The verdict's words, kept as data and defined once: who must act and what to do when no
command or record fixes a cause, and why a finding that looks alarming is not the cause.

Templates take these names (all sanitised before formatting): {from_domain}, {domain} (the
domain the finding is about), {ip}, {spf_domain}, {via} (the intermediary, "a forwarder"
when unknown), {selector}, {title}, {outcome}.
"""
from __future__ import annotations

from msgspec import Struct


class Advice(Struct, frozen=True):
    who: str
    do: str
    confirm: str
    # True: better than the finding's own commands (which only make a new key).
    before_fixes: bool = False


class Reason(Struct, frozen=True):
    why: str
    side_effect: bool  # an expected effect of the mail path, shown as INFO in context


_RECHECK = ("Send a test through the same path and run `mailtriage check` on the copy as "
            "received: the DKIM signature of {from_domain} must pass.")
_SIGNER = "the administrator of the signing system"

# By the finding that names the party who changed the message (CAUSE-xx) first, then by the
# change itself (CANON-xx) when the party is unknown, then by the other causes.
ADVICE: dict[str, Advice] = {
    "CAUSE-01": Advice(
        "the mailing list's owner",
        "Stop adding footers and subject tags, or rewrite From to the list's own address for "
        "DMARC-strict domains (Mailman: munge From) and ARC-seal the message. The author's DNS "
        "is not at fault.", _RECHECK + " Or From is the list's address."),
    "CAUSE-02": Advice(
        "the Google Group's owner",
        "Google Groups rewrites From for DMARC-strict domains; if it did not, turn off footers "
        "and subject prefixes for the group. The author's DNS is not at fault.",
        _RECHECK + " Or From is the group's address."),
    "CAUSE-03": Advice(
        "the recipient's Proofpoint administrator",
        "Exempt DKIM-signed mail (or this sender) from URL Defense rewriting and subject "
        "tagging, or have DKIM verified before the rewrite (the stored copy then fails "
        "re-verification by design: it is not the message as delivered).",
        "Check the receiver's Authentication-Results on a new message: dkim=pass before the "
        "rewrite means delivery was never affected."),
    "CAUSE-04": Advice(
        "the recipient's Microsoft 365 administrator",
        "Safe Links rewrote the stored copy after delivery; judge delivery by the receiver's "
        "Authentication-Results, which were written before the rewrite.",
        "Read the Authentication-Results header of the received copy: dkim=pass there settles it."),
    "CAUSE-05": Advice(
        "the security gateway's administrator",
        "Exclude outbound mail from link rewriting and banners, or sign after the gateway "
        "(make the gateway the DKIM signer); on the receiving side, verify DKIM before the "
        "gateway changes the message.", _RECHECK),
    "CAUSE-06": Advice(
        "the administrator of the disclaimer or signature service",
        "Sign after the disclaimer is added (let the last outbound hop sign), or add the "
        "disclaimer before the message is signed.", _RECHECK),
    "CAUSE-07": Advice(
        "the administrator of the system that tags subjects",
        "Tag the Subject only after DKIM has been verified, or exempt signed mail from tagging.",
        _RECHECK),
    "CAUSE-08": Advice(
        "the Exchange / Microsoft 365 administrator",
        "Sign at the last hop (Microsoft 365 DKIM for the domain, or a gateway after Exchange), "
        "or have the application send 7-bit-safe MIME (quoted-printable) so nothing is "
        "re-encoded after signing.", _RECHECK),
    "CAUSE-09": Advice(
        _SIGNER, "Sign with c=relaxed/relaxed: simple canonicalisation breaks on any refolding.",
        _RECHECK),
    "CAUSE-10": Advice(
        "the application that writes the message",
        "Remove the duplicate header at the source.", _RECHECK),
    "CAUSE-15": Advice(
        "whoever manages the sending service (ESP) account",
        "Enable custom DKIM for {from_domain} at the service (publish the CNAMEs it gives) and a "
        "custom return-path under {from_domain}; add its SPF include only if it sends with your "
        "domain as MAIL FROM.",
        "Send a test and run `mailtriage check` on it: DKIM d= must be {from_domain} (or a "
        "subdomain) and DMARC must pass."),
    "CAUSE-17": Advice(
        "whoever manages the sending service (ESP) account",
        "Set a custom MAIL FROM (return-path) domain under {from_domain} at the service, so SPF "
        "passes for a domain aligned with From.",
        "Send a test: Return-Path must be under {from_domain} and SPF must pass."),
    "CAUSE-19": Advice(
        _SIGNER, "Fix the signing server's clock (NTP); its t=/x= values are wrong.", _RECHECK),
    "CAUSE-20": Advice(
        "the sending client's administrator",
        "Log in to the submission server (SMTP AUTH) before sending, or send to that recipient "
        "through an authenticated internal route. No DNS record fixes this.",
        "Send again: the server must accept the message after authentication."),
    "CANON-01": Advice(
        "the hops after the signer",
        "The body changed after signing and no single change explains it: compare with the "
        "sender's copy (`mailtriage check --original sent.eml`) to find the hop; if no hop "
        "should change mail, sign at the last outbound hop with c=relaxed/relaxed.", _RECHECK),
    "CANON-02": Advice(_SIGNER, "Sign with c=relaxed/relaxed (header canonicalisation).", _RECHECK),
    "CANON-04": Advice(_SIGNER, "Sign with c=relaxed/relaxed (body canonicalisation).", _RECHECK),
    "CANON-07": Advice(
        "whoever saved or relayed the copy",
        "Line endings changed after signing: check the original .eml as received (not a copy "
        "saved with LF line ends), or sign after the hop that converts them.", _RECHECK),
    "CANON-08": Advice(
        "the relay after the signer that re-encoded the body (often Exchange)",
        "Sign at the last hop, or send 7-bit-safe MIME (quoted-printable or base64) so nothing "
        "is re-encoded after signing.", _RECHECK),
    "CANON-09": Advice(
        "the relay that re-wrapped long lines",
        "Send lines under 78 characters (quoted-printable for long text), or sign after that relay.",
        _RECHECK),
    "CANON-10": Advice(
        "whoever exported the copy",
        "The copy came from an mbox file (From_ line, >From quoting): export the original .eml.",
        "Check the exported .eml again."),
    "CANON-11": Advice(
        "whoever appended the text (list, gateway or disclaimer service)",
        "Stop appending footers to signed mail, or sign after the footer is added; a list must "
        "rewrite From to its own address and ARC-seal instead.", _RECHECK),
    "CANON-12": Advice(
        "the security gateway's administrator",
        "Exclude outbound mail from link rewriting or sign after the gateway; on the receiving "
        "side, have DKIM verified before links are rewritten.", _RECHECK),
    "CANON-13": Advice(
        "the system that changed the header after signing",
        "Stop changing signed headers (subject tags, refolding, rewritten addresses) or change "
        "them only after verification; the signer can use c=relaxed/relaxed.", _RECHECK),
    "CANON-14": Advice(
        "the relay that rebuilt the MIME structure",
        "Sign after that relay, or stop it from restructuring signed mail.", _RECHECK),
    "DKIM-SIG-01": Advice(
        "the administrator of the sending system",
        "Turn on DKIM signing with d={from_domain} (or a subdomain of it) on the system that "
        "sends this mail, and publish its key.",
        "Send a test: it must carry a DKIM-Signature with d={from_domain} that passes."),
    "DKIM-SIG-15": Advice(_SIGNER, "Fix the signing server's clock (NTP): t= is in the future.",
                          _RECHECK),
    "DKIM-SIG-16": Advice(
        _SIGNER,
        "Set x= to at least 7 days after t= (queued mail is retried for up to 5 days), or stop "
        "writing x=.", _RECHECK),
    "DKIM-KEY-03": Advice(
        "the DNS administrator of {domain}",
        "The key lookup failed in DNS (timeout or SERVFAIL): make every authoritative server of "
        "the zone answer.", "Look the key up again from another network."),
    "DKIM-KEY-06": Advice(
        "the administrator of the server still signing with {selector}",
        "The selector was revoked on purpose: switch that server to the selector in use now "
        "(or publish a new key under a new selector for it).",
        "Send a test from that server: its DKIM-Signature must name a published selector and "
        "pass.", before_fixes=True),
    "DKIM-KEY-14": Advice(
        "the administrator of the signing system, with the DNS administrator of {from_domain}",
        "The signer uses a key DNS does not publish (rotation done on one side only): publish "
        "the public half of the signer's key under a new selector and switch the signer to it, "
        "or switch the signer back to the key DNS holds.",
        "Send a test: the signature must pass with the published key.", before_fixes=True),
    "DNS-03": Advice(
        "whoever manages the email provider account the selector is delegated to",
        "The selector is a CNAME to a key that no longer exists at the provider: re-verify the "
        "domain there and point the CNAME at the key it shows now, or stop signing with this "
        "selector.", "Look up the selector again: the CNAME target must hold a v=DKIM1 key."),
    "DMARC-06": Advice(
        "whoever configures the sending service",
        "Make one identity align with {from_domain}: sign with d={from_domain} (custom DKIM at "
        "the service, usually CNAMEs to publish), or use a return-path under {from_domain}.",
        "Send a test and run `mailtriage check` on it: DMARC must pass."),
    "DMARC-14": Advice(
        "the application that writes the message",
        "Write exactly one From address with a domain; DMARC cannot be evaluated otherwise.",
        "Send a test and check its From header."),
    "DMARC-16": Advice(
        "the administrator of {from_domain}",
        "Make SPF or DKIM pass for a domain aligned with {from_domain} on the system that sent "
        "this: the bounce does not say which failed, so check a copy of the message as sent.",
        "Run `mailtriage check` on a copy of the message: DMARC must pass."),
    "DMARC-17": Advice(
        "the DNS administrator of {from_domain}",
        "The receiver could not look up SPF, DKIM or DMARC in time: make every authoritative "
        "server answer reliably; the receiver retries by itself.",
        "Look up the SPF, key and DMARC records from another network."),
    "SPF-13": Advice(
        "the DNS administrator of {spf_domain}",
        "Add the server that sent this (its IP, or the include the sending service documents) "
        "to the SPF record of {spf_domain} — only if it is your own sender.",
        "Check SPF for that IP again: it must pass."),
    "SPF-05": Advice(
        "the DNS administrator of {domain}",
        "Bring the SPF record down to 10 DNS-querying terms: remove includes of services no "
        "longer used, replace a/mx/include of fixed hosts with ip4:/ip6: ranges.",
        "Check the SPF record again: at most 10 lookups."),
    "SPF-06": Advice(
        "the DNS administrator of {domain}",
        "Remove the SPF terms that point at names with no records (more than two void lookups).",
        "Check the SPF record again: at most two void lookups."),
}

# Bounces that are not about authentication: the receiver's topic (wizard.receiver.status_codes)
# decides; "mailbox" is split by the code's detail because "no such user" and "mailbox full"
# call for different people.
BOUNCE_ADVICE: dict[str, Advice] = {
    "unknown-user": Advice(
        "the sender", "The recipient address does not exist: correct it, or remove it from the "
        "list. Authentication is not involved.", "Send to the corrected address."),
    "mailbox-full": Advice(
        "the recipient", "The recipient's mailbox is full: they must make room; the message can "
        "be sent again later. Authentication is not involved.", "Send again later."),
    "rate": Advice(
        "the sender's mail administrator", "The receiver limits this sender's rate or "
        "reputation: slow down, check the complaint rate and list hygiene; it accepts again as "
        "reputation recovers.", "Watch the next deliveries to this receiver."),
    "blocklist": Advice(
        "the sender's mail administrator", "The sending IP is on a blocklist: find why on the "
        "list's lookup page, fix that, then request delisting.",
        "Look the IP up on the blocklist again."),
    "tls": Advice(
        "the mail administrator of the side that lacks TLS", "Enable STARTTLS with a valid "
        "certificate (name matching the MX host) on the server the receiver names.",
        "Connect with `openssl s_client -starttls smtp` and check the certificate."),
    "ptr": Advice(
        "whoever controls the sending IP's reverse DNS", "Publish a PTR record for the sending "
        "IP whose name resolves back to it (forward-confirmed), and use that name in HELO.",
        "Look up the PTR and its A/AAAA record."),
    "relay": Advice(
        "the sending client's administrator", "The server refused to relay: send through your "
        "own submission server with SMTP AUTH.", "Send again through the submission server."),
    "content": Advice(
        "the sender", "The receiver refused the content (attachment, links or wording): remove "
        "what it objects to.", "Send a test with the changed content."),
    "other": Advice(
        "the sender's mail administrator", "Act on the receiver's own words in the reply; this is "
        "not an authentication failure.", "Send again once it is addressed."),
}
# A TLS bounce's root cause (TLS-xx, wizard.tls.codes): most are the recipient domain's to
# fix (diagnoses.md §14); "@sender" keys are for the receiver demanding TLS of the sender.
_TLS_RECIPIENT = "the recipient domain's mail administrator"
_TLS_SENDER = "the sender's mail administrator (its outbound MTA or ESP connection)"
_TLS_RETRY = ("Run the checks below again (or `mailtriage tls` on the recipient domain): the MX "
              "must present a trusted certificate for its own name that matches its policy; "
              "queued mail then goes out on the sender's next retry.")
_TLS_RESEND = ("Send again: the receiver accepts it, and its Received header shows the hop used "
               "TLS (ESMTPS).")
_TLS_EITHER = ("the sender's mail administrator (its TLS policy for this destination), or the "
               "recipient domain's")
_DANE_ONLY = ("The sending MTA's policy for this destination is dane-only, and the destination "
              "publishes no DNSSEC-validated TLSA records. Unless DANE was agreed with this "
              "recipient, set its policy to dane instead (Postfix: smtp_tls_policy_maps, or "
              "smtp_tls_security_level = dane; Exim: hosts_try_dane instead of "
              "hosts_require_dane), which uses DANE where it is published and opportunistic "
              "TLS where it is not.")
_STARTTLS_OUT = ("Turn on STARTTLS for outbound mail on the sending MTA (Postfix: "
                 "smtp_tls_security_level = may or higher; at an ESP, its TLS setting).")


def _tls(do: str) -> Advice:
    return Advice(_TLS_RECIPIENT, do + " The sender cannot fix this, and the sender's "
                  "authentication records are not involved.", _TLS_RETRY)


TLS_ADVICE: dict[str, Advice] = {
    "TLS-01": _tls("Enable STARTTLS on every MX with a certificate for the MX's own name; until "
                   "then set the MTA-STS policy to mode: testing (with a new id) or withdraw the "
                   "TLSA records, so senders that require TLS can deliver."),
    "TLS-02": _tls("Repair TLS on the MX: a certificate and key loaded, TLS 1.2 or 1.3 enabled, "
                   "STARTTLS answered with 220 rather than 454."),
    "TLS-03": _tls("Renew the MX certificate and reload the MTA (a renewed file on disk is not "
                   "served until then); keep the TLSA records matching the key it serves."),
    "TLS-04": _tls("Serve a certificate whose subject alternative names include the MX host "
                   "name (the name in the MX record, not only the domain)."),
    "TLS-05": _tls("Serve the full chain (the certificate, then its intermediates) from a "
                   "publicly trusted CA; MTA-STS senders refuse a self-signed certificate."),
    "TLS-07": _tls("Serve the MTA-STS policy at https://mta-sts.<domain>/.well-known/mta-sts.txt "
                   "with status 200, no redirect and a certificate valid for that host."),
    "TLS-09": _tls("List every MX host in the MTA-STS policy (one mx: line each), publish the "
                   "file, then change the id of the _mta-sts TXT record so senders fetch it "
                   "again."),
    "TLS-12": _tls("Sign the MX host's zone with DNSSEC so its TLSA records validate, or withdraw "
                   "the TLSA records if DANE is not wanted."),
    "TLS-13": _tls("Publish the 3 1 1 digest of the key the MX serves now (the check below "
                   "computes it) next to the old one, wait out the TTL, then drop the old "
                   "digest."),
    "TLS-14": _tls("Publish usable TLSA records: 3 1 1 for the server key (usages 0 and 1 are "
                   "unusable for SMTP); with 2 1 1, send the CA certificate in the chain."),
    "TLS-15": _tls("Repair the DNSSEC of the MX host's zone (expired signatures, a stale DS after "
                   "a DNS-provider move, broken answers for _25._tcp names)."),
    "TLS-19": _tls("Fix TLS on the recipient's MX as the checks below show (certificate, TLSA "
                   "records or MTA-STS policy)."),
    # Postfix's dane-only words: the sender's own policy demands DANE of this destination.
    "TLS-12@either": Advice(_TLS_EITHER, _DANE_ONLY + " The recipient domain ends it for every "
                            "DANE sender by signing the MX host's zone with DNSSEC and "
                            "publishing TLSA records for its MX.", _TLS_RETRY),
    "TLS-15@either": Advice(_TLS_EITHER, _DANE_ONLY + " The recipient domain ends it by "
                            "DNSSEC-signing the zones of its domain and MX hosts.", _TLS_RETRY),
    "TLS-19@sender": Advice(_TLS_SENDER, _STARTTLS_OUT + " If the message asked for REQUIRETLS "
                            "and no server on the path supports it, send it without.",
                            _TLS_RESEND),
    "TLS-22@sender": Advice(_TLS_SENDER, _STARTTLS_OUT + " Gmail requires TLS of every bulk "
                            "sender.", _TLS_RESEND),
}
TLS_ADVICE_SIDE = {"recipient": TLS_ADVICE["TLS-19"], "sender": TLS_ADVICE["TLS-19@sender"],
                   "either": TLS_ADVICE["TLS-12@either"]}
BOUNCE_TOPICS = {
    "rate": "rate", "reputation": "rate", "blocklist": "blocklist", "tls": "tls",
    "requiretls": "tls", "ptr": "ptr", "helo": "ptr", "relay": "relay", "smtp_auth": "relay",
    "content": "content", "policy": "content", "bare_lf": "content", "address": "unknown-user",
}
# Topics whose bounce is about SPF, DKIM, DMARC or ARC: the returned message explains them.
AUTH_TOPICS = frozenset({"dmarc", "multiple_auth", "dkim", "dkim_required", "spf", "alignment", "arc"})

NOT_THE_CAUSE: dict[str, Reason] = {
    "SPF-13": Reason(
        "SPF fails for {ip}, but the aligned DKIM signature passes, so DMARC passes; authorise "
        "{ip} only if it is one of {spf_domain}'s own servers", True),
    "SPF-13@forwarded": Reason(
        "forwarding breaks SPF: {ip} is {via}'s server, not {spf_domain}'s; only the "
        "author's DKIM signature can carry DMARC through it", True),
    "SPF@dkim": Reason(
        "{title}: DMARC passes on the aligned DKIM signature, so this message does not depend "
        "on SPF", False),
    "DMARC-06": Reason(
        "SPF passed for {spf_domain}, {via}'s own domain: expected for a list or forwarder; the "
        "author's DKIM signature is what DMARC needs here", True),
    "DKIM-KEY-08": Reason(
        "the key is weak but the signature verifies (RFC 8301 still accepts 1024 bits); rotate "
        "to 2048 bits when convenient", False),
    "DKIM-KEY-12": Reason(
        "t=y (testing) asks receivers not to treat the key differently; the signature verifies",
        False),
    "CANON-13": Reason(
        "no header needs to have changed: the published key is not the signing key",
        True),
    "DKIM-SIG-01": Reason(
        "DMARC passes on SPF alone; unsigned mail fails once forwarded, and Gmail and Yahoo "
        "require DKIM of bulk senders", False),
    "DKIM-SIG-11": Reason(
        "a hardening gap: the signature's verdict does not depend on which headers it covers",
        False),
    "DKIM-SIG-13": Reason(
        "signed headers that relays often rewrite; none was rewritten here", False),
    "*": Reason("{title}: a separate issue; this message's outcome does not depend on it", False),
}
