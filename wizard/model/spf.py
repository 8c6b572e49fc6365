"""SPF for one message: pyspf's verdict and the include tree with its lookup costs."""
from __future__ import annotations

from msgspec import Struct
from msgspec.structs import force_setattr

from wizard.model.dns import DnsAnswer
from wizard.model.findings import Finding


class SpfNode(Struct, frozen=True):
    """One term of a record (or the record itself, for the root and include/redirect)."""

    term: str  # as written: "include:_spf.example.net", "redirect=…", or the domain (root)
    mechanism: str  # root | include | redirect | a | mx | ptr | exists | ip4 | ip6 | all | exp
    domain: str  # the name the term looks up (after macro expansion), "" when none
    qualifier: str = "+"
    record: str | None = None  # the SPF record found (root, include, redirect)
    cost: int = 0  # DNS-querying terms this term costs (RFC 7208 §4.6.4)
    running_total: int = 0  # lookups used when this term has been evaluated
    void: bool = False  # the lookup answered NXDOMAIN or no records
    error: str = ""  # plain words; "" when fine
    detail: str = ""  # what the lookup found (addresses, MX hosts, …)
    children: tuple[SpfNode, ...] = ()

    def __post_init__(self) -> None:
        # The walk asks a domain-spec as a DomainSpec (a str subclass the resolvers ask as
        # written); the model keeps plain text, which msgspec encodes (a subclass it refuses).
        if type(self.domain) is not str:
            force_setattr(self, "domain", str(self.domain))


class SpfTree(Struct, frozen=True):
    domain: str
    root: SpfNode
    lookups_used: int
    voids: int
    result_hint: str  # "permerror"/"temperror" when the records alone decide it, else ""
    answers: tuple[DnsAnswer, ...]
    findings: tuple[Finding, ...]


class SpfReport(Struct, frozen=True):
    """SPF for one message: pyspf's verdict plus the tree of the checked domain."""

    result: str | None  # pass fail softfail neutral none permerror temperror; None = not run
    domain: str | None  # the domain checked (MAIL FROM's, or HELO's for a null sender)
    identity: str  # "mailfrom" | "helo" | ""
    sender: str | None  # the address pyspf checked ("postmaster@<helo>" for a null sender)
    ip: str | None
    helo: str | None
    explanation: str  # pyspf's explanation text (with exp= when the domain publishes one)
    identity_note: str  # the sentence saying which domain SPF checked, and that it is not From
    matched: str | None  # the top-level term that decided the result, when one did
    tree: SpfTree | None
    original_domain: str | None = None  # SRS: the domain before the forwarder rewrote it
    findings: tuple[Finding, ...] = ()

    __json_extra__ = ("lookups_used", "voids")

    @property
    def lookups_used(self) -> int:
        return self.tree.lookups_used if self.tree else 0

    @property
    def voids(self) -> int:
        return self.tree.voids if self.tree else 0
