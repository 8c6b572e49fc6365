"""The counting and ordering words the guided text, the writers and the panes share."""
from wizard.model.findings import Finding, Severity
from wizard.output.words import ordered, plural


def test_counts_read_as_sentences():
    assert plural(1, "finding") == "1 finding"
    assert plural(3, "finding") == "3 findings"
    assert plural(2, "entry", "entries") == "2 entries"


def test_findings_are_worst_first_and_always_in_the_same_order():
    a = Finding("DNS-03", Severity.WARN, "b", "")
    b = Finding("DKIM-KEY-01", Severity.CRITICAL, "a", "")
    c = Finding("DKIM-SIG-01", Severity.WARN, "a", "")
    assert ordered([a, b, c]) == ordered([c, a, b]) == (b, c, a)
