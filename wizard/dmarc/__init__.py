"""DMARC (diagnoses.md §5) under RFC 7489 and RFC 9989 side by side.

Entry point: wizard.dmarc.check (check_dmarc, check_dmarc_domain, DmarcReport). Inside:
record (one TXT value read as DMARC), orgdomain (the Public Suffix List and tree-walk rules),
discovery (the lookups), alignment (the decision), findings (what is said about it).
Nothing is imported here, so using one part does not load the others.
"""
