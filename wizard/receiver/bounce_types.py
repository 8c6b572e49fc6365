"""What a bounce analysis returns: the bounce, one status per recipient, and the findings."""
from __future__ import annotations

from msgspec import Struct

from wizard.model.bounce import Bounce as Bounce
from wizard.model.bounce import RecipientStatus as RecipientStatus
from wizard.model.findings import Cap, Finding


class BounceAnalysis(Struct, frozen=True):
    bounce: Bounce
    findings: tuple[Finding, ...]
    returned_message: bytes | None
    returned_headers_only: bool
    caps: tuple[Cap, ...] = ()

