"""The inspect view's panes, one module each, and the registry both inspect screens read.

The registry lives here, not in a screen, so the tabbed screen and the all-at-once screen
import it alike and neither imports the other to learn what the panes are.
"""
from __future__ import annotations

from tui.widgets.panes.aggregate import AggregatePane
from tui.widgets.panes.base import Pane, TablePane
from tui.widgets.panes.body import BodyPane
from tui.widgets.panes.bounce import BouncePane
from tui.widgets.panes.dkim import DkimPane
from tui.widgets.panes.dns import DnsPane
from tui.widgets.panes.fix import FixPane
from tui.widgets.panes.hops import HopsPane
from tui.widgets.panes.policy import PolicyPane
from tui.widgets.panes.raw import RawPane
from tui.widgets.panes.summary import SummaryPane
from tui.widgets.panes.tls import TlsPane
from tui.widgets.panes.verify import VerifyPane

# (key, tab title, pane class) in tab order: digit n (0 for the tenth) shows the n-th pane;
# the DMARC aggregate report's Sources and the TLS pane come last, reached with ] and [ (no
# digit is left).
PANES: tuple[tuple[str, str, type], ...] = (
    ("summary", "Summary", SummaryPane),
    ("dkim", "DKIM", DkimPane),
    ("dns", "DNS", DnsPane),
    ("verify", "Verify", VerifyPane),
    ("body", "Body", BodyPane),
    ("bounce", "Bounce", BouncePane),
    ("policy", "DMARC/SPF", PolicyPane),
    ("hops", "Hops", HopsPane),
    ("fix", "Fix", FixPane),
    ("raw", "Raw", RawPane),
    ("sources", "Sources", AggregatePane),
    ("tls", "TLS", TlsPane),
)

__all__ = ["PANES", "Pane", "TablePane"]
