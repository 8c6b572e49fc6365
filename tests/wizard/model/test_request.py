"""AnalysisRequest.asks_authoritative: one rule for whether the zones' own name servers are
asked, whichever command or screen built the request."""
import pytest

from wizard.model.request import AnalysisRequest


@pytest.mark.parametrize(
    ("request_", "asks"),
    [
        (AnalysisRequest(), True),  # the system resolver
        (AnalysisRequest(authoritative=False), False),  # --no-authoritative
        (AnalysisRequest(resolver_specs=("192.0.2.1",)), False),  # "ask these and nowhere else"
        (AnalysisRequest(zone_paths=("example.com.zone",)), False),  # zone files are the world
        (AnalysisRequest(offline=True), False),
        (AnalysisRequest(domain="example.com", resolver_specs=("192.0.2.1",)), True),  # propagation
        (AnalysisRequest(domain="example.com", authoritative=False), False),
    ],
)
def test_who_is_asked(request_, asks):
    assert request_.asks_authoritative is asks
