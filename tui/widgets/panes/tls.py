"""The TLS pane (issue 15, diagnoses.md §14). For a TLS-RPT report: every policy with its
failed sessions by MX and result type, the highlighted row's policy verdict and the checks to
run below (wizard.verdict.tls). For a TLS bounce: the cause, who must act, and the checks.
Enter opens the row's verdict, evidence and checks whole, ready to copy."""
from __future__ import annotations

from textual.content import Content

from tui import safe
from tui.dialogs.value import WholeValueOnEnter
from tui.widgets.panes.base import SEVERITY_STYLE, VERDICT_STYLE, TablePane
from wizard.model.findings import Finding, FixCommand
from wizard.model.tls_report import TlsRptFailure, TlsRptPolicy
from wizard.verdict.tables import TLS_ADVICE


def _tls_cause(report) -> Finding | None:
    """The bounce's TLS-xx finding (wizard.tls.codes), when the bounce is a TLS failure."""
    if getattr(report, "bounce", None) is None:
        return None
    return next((f for f in report.findings if f.id.startswith("TLS-")), None)


def _checks(finding: Finding | None) -> list[str]:
    return [fix.shell for fix in (finding.fixes if finding else ()) if isinstance(fix, FixCommand)]


class TlsPane(WholeValueOnEnter, TablePane):
    # What failed first, the policy last: at 80 columns the MX and its result must show.
    columns = ("MX", "result", "sessions", "means", "policy")

    # ------------------------------------------------------------ rows

    def rows(self):
        report = self.state.report
        tls = getattr(report, "tls_report", None)
        if tls is not None:
            return self._report_rows(tls.policies)
        cause = _tls_cause(report)
        if cause is None:
            return []
        bounce = report.bounce
        return [((safe.cell(cause.about or bounce.remote_mta or "—"),
                  safe.cell(bounce.status or str(bounce.reply_code or "—")), safe.cell("—"),
                  safe.cell(cause.id, SEVERITY_STYLE.get(cause.severity.value, "")),
                  safe.cell("bounce")), cause)]

    def _report_rows(self, policies: tuple[TlsRptPolicy, ...]):
        out = []
        for policy in policies:
            kind = " ".join(filter(None, (policy.policy_type, policy.mode))) or "?"
            name = safe.cell(f"{kind} {policy.policy_domain}")
            if not policy.failures:
                style = "red" if policy.binding else ("yellow" if policy.failed else "green")
                out.append(((safe.cell(", ".join(policy.mx_hosts) or "—"),
                             safe.cell(f"{policy.successful} ok", style), safe.cell(str(policy.failed)),
                             safe.cell("—"), name), (policy, None)))
            for row in policy.failures:
                out.append(((safe.cell(row.receiving_mx_hostname or "?"),
                             safe.cell(row.result_type, "red" if policy.binding else "yellow"),
                             safe.cell(str(row.count)), safe.cell(row.finding or "—"), name), (policy, row)))
        return out

    def empty(self) -> Content:
        return safe.label("[dim]Not a TLS report or a TLS bounce.[/dim]")

    # ------------------------------------------------------------ the row below

    def _policy_verdict(self, policy: TlsRptPolicy):
        from wizard.verdict.tls import policy_verdict

        return policy_verdict(policy, self.state.report.findings)

    def _policy_finding(self, policy: TlsRptPolicy) -> Finding | None:
        about = f"domain {policy.policy_domain}"
        return next((f for f in self.state.report.findings if f.id == "TLS-18" and f.about == about), None)

    def detail(self, item) -> Content:
        if isinstance(item, Finding):
            return self._bounce_detail(item)
        policy, row = item
        verdict = self._policy_verdict(policy)
        parts = [safe.line((f"{verdict.outcome.upper()} ", VERDICT_STYLE.get(verdict.outcome, "bold")),
                           (verdict.headline, "bold"))]
        if row is not None:
            parts.append(self._row_line(row))
        # The highlighted row's own diagnosis decides the fix shown; the policy's verdict
        # names the one with the most failed sessions.
        advice = TLS_ADVICE.get(row.finding) if row is not None and row.finding else None
        if advice is not None:
            parts.append(safe.line(safe.label("[b]Fix [/b]"), (f"({advice.who}) ", "dim"),
                                   f"{advice.do} To confirm: {advice.confirm}"))
        elif verdict.primary_fix is not None:
            parts.append(safe.line(safe.label("[b]Fix [/b]"), (f"({verdict.primary_fix.who}) ", "dim"),
                                   verdict.primary_fix.text))
        parts += self._check_lines(self._policy_finding(policy))
        return Content("\n").join(parts)

    def _row_line(self, row: TlsRptFailure) -> Content:
        words = (f"{row.count} session(s) from {row.sending_mta_ip or '?'} to "
                 f"{row.receiving_mx_hostname or '?'}: {row.result_type}")
        if row.failure_reason_code:
            words += f" ({row.failure_reason_code})"
        return safe.line(safe.label("[b]Failed [/b]"), (words, ""),
                         (f" → {row.finding}" if row.finding else "", "bold"))

    def _check_lines(self, finding: Finding | None) -> list[Content]:
        checks = _checks(finding)
        if not checks:
            return []
        return [safe.label("[b]Checks to run[/b] [dim](enter: all of it, to copy)[/dim]")] + [
            safe.line("  $ ", safe.text(shell, one_line=True)) for shell in checks]

    def _bounce_detail(self, cause: Finding) -> Content:
        verdict = self.state.verdict
        parts = [safe.line((cause.id + " ", SEVERITY_STYLE.get(cause.severity.value, "bold")),
                           (cause.title, "bold")),
                 safe.text(cause.detail)]
        fix = verdict.primary_fix if verdict is not None else None
        if fix is not None and fix.finding == cause.id:
            parts.append(safe.line(safe.label("[b]Fix [/b]"), (f"({fix.who}) ", "dim"), fix.text))
        parts += self._check_lines(cause)
        return Content("\n").join(parts)

    def whole_value(self, item) -> tuple[str, str]:
        if isinstance(item, Finding):
            verdict = self.state.verdict
            fix = verdict.primary_fix if verdict is not None else None
            lines = [f"{item.id} {item.title}", "", item.detail, "", "Evidence:"]
            lines += [f"  {line}" for line in item.evidence]
            if fix is not None and fix.finding == item.id:
                lines += ["", f"Fix ({fix.who}): {fix.text}"]
            return f"TLS bounce {item.id}", "\n".join(lines + self._check_text(item))
        policy, row = item
        verdict = self._policy_verdict(policy)
        lines = [f"{verdict.outcome.upper()}: {verdict.headline}"]
        if row is not None:
            lines.append(f"Failed: {row.count} session(s) from {row.sending_mta_ip or '?'} to "
                         f"{row.receiving_mx_hostname or '?'}: {row.result_type}"
                         + (f" → {row.finding}" if row.finding else ""))
        if verdict.root_cause is not None:
            lines.append(f"Root cause: {verdict.root_cause.id} {verdict.root_cause.title}")
        if verdict.primary_fix is not None:
            lines.append(f"Fix ({verdict.primary_fix.who}): {verdict.primary_fix.text}")
        finding = self._policy_finding(policy)
        if finding is not None:
            lines += ["", finding.detail, "", "Failed sessions:"] + [f"  {line}" for line in finding.evidence]
        return f"TLS policy {policy.policy_domain}", "\n".join(lines + self._check_text(finding))

    @staticmethod
    def _check_text(finding: Finding | None) -> list[str]:
        checks = _checks(finding)
        return (["", "Checks to run:"] + [f"  {shell}" for shell in checks]) if checks else []
