"""A TLS-RPT report (RFC 8460 §4), read by wizard.tls.report: the JSON key `tls_report`.

The JSON shows exactly the keys issue 15 promises; what only the findings and the verdict use
(the policy text, the reason codes, the reporter's contact) is `__json_hidden__`. The verdict
of each policy is the verdict package's reading of it (wizard.verdict.tls), added by the JSON
writer beside the facts.
"""
from __future__ import annotations

from msgspec import Struct

from wizard.model.findings import Finding


class TlsRptFailure(Struct, frozen=True):
    result_type: str
    sending_mta_ip: str
    receiving_mx_hostname: str
    count: int
    finding: str  # the TLS-xx diagnosis this result type means; "" when unknown
    receiving_ip: str = ""
    failure_reason_code: str = ""
    additional_information: str = ""

    __json_hidden__ = ("receiving_ip", "failure_reason_code", "additional_information")


class TlsRptPolicy(Struct, frozen=True):
    policy_type: str  # sts | tlsa | no-policy-found
    policy_domain: str
    mx_hosts: tuple[str, ...]
    successful: int
    failed: int
    failures: tuple[TlsRptFailure, ...]
    policy_string: tuple[str, ...] = ()

    __json_hidden__ = ("policy_string",)

    @property
    def mode(self) -> str:
        """An MTA-STS policy's mode (enforce | testing | none), "" when the report has none."""
        for line in self.policy_string:
            key, _, value = line.partition(":")
            if key.strip() == "mode":
                return value.strip()
        return ""

    @property
    def binding(self) -> bool:
        """Its failed sessions stopped mail: DANE, or MTA-STS in enforce mode. Under
        `testing` mail still flowed, and without a policy TLS was opportunistic-only
        (RFC 8461 §5, diagnoses.md TLS-11, TLS-18)."""
        return self.failed > 0 and (self.policy_type == "tlsa"
                                    or (self.policy_type == "sts" and self.mode == "enforce"))


class TlsRptReport(Struct, frozen=True):
    org_name: str
    report_id: str
    begin: str
    end: str
    policies: tuple[TlsRptPolicy, ...]
    contact_info: str = ""
    findings: tuple[Finding, ...] = ()  # TLS-17 and the TLS-18s; the Report carries them

    __json_hidden__ = ("contact_info", "findings")
