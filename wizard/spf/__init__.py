"""SPF (RFC 7208, diagnoses.md §6).

Entry point: wizard.spf.check (check_spf, SpfReport); wizard.spf.walk.spf_tree for a domain
alone. Inside: record (limits, what is an SPF record, record edits), verdict (pyspf through
our DNS layer), walk (the record tree and its lookup budget), findings (the verdict's).
Nothing is imported here, so using one part does not load the others.
"""
