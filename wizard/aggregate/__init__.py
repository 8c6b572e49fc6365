"""DMARC aggregate (RUA) reports: find the XML in whatever form it came (archive), read it
safely (parse), classify every source with live DNS (triage) (diagnoses.md §15).

parsedmarc is not used: its base install pulls httpx, lxml, mailsuite, maxminddb, pyyaml,
tqdm and xmltodict (measured from its 11.1.0 wheel metadata), for a parse that is ~200 lines
on defusedxml here, and it does not triage.
"""
