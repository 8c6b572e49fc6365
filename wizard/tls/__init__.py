"""TLS between the sending MTA and the receiving MX (diagnoses.md §14): the live STARTTLS
probe, MTA-STS, DANE and TLS-RPT records (`check.check_tls`), the TLS meaning of bounce
codes and wordings (`codes.tls_cause`) and TLS-RPT reports (`report.parse_tls_report`)."""
