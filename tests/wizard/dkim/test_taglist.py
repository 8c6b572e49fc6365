"""The tolerant tag=value parser: every problem with its position, same tags as dkimpy."""
from __future__ import annotations

import dkim.util
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.dkim.taglist import parse_tags, pointer

RFC6376_A2 = (
    " v=1; a=rsa-sha256; s=brisbane; d=example.com;\r\n"
    "      c=simple/simple; q=dns/txt; i=joe@football.example.com;\r\n"
    "      h=Received : From : To : Subject : Date : Message-ID;\r\n"
    "      bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    "      b=AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB\r\n"
    "        4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut\r\n"
    "        KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV\r\n"
    "        4bmp/YzhwvcubU4=;"
)


def dkimpy(text: str) -> dict[str, str] | None:
    try:
        parsed = dkim.util.parse_tag_value(text.encode())
    except dkim.util.InvalidTagValueList:
        return None
    return {k.decode(): v.decode() for k, v in parsed.items()}


def test_rfc6376_example_matches_dkimpy():
    tags = parse_tags(RFC6376_A2)
    assert tags.ok and not tags.problems
    assert tags.as_dict() == dkimpy(RFC6376_A2)
    assert tags.get("d") == "example.com"
    assert tags.get("i") == "joe@football.example.com"


def test_trailing_semicolon_is_allowed():
    assert parse_tags("v=1; d=example.com;").ok


def test_duplicate_tag_reported_at_second_occurrence():
    text = "v=1; d=example.com; s=sel; d=evil.example"
    tags = parse_tags(text)
    assert not tags.ok
    (problem,) = tags.problems
    assert problem.kind == "duplicate"
    assert text[problem.position:].startswith("d=evil.example")
    assert tags.get("d") == "example.com"  # the first one is kept, decoding goes on
    assert dkimpy(text) is None


def test_every_problem_listed_not_just_the_first():
    text = "v=1;; a=rsa-sha256; nonsense ; 9x=1; d=a; d=b"
    kinds = [p.kind for p in parse_tags(text).problems]
    assert kinds == ["empty", "no_equals", "bad_name", "duplicate"]
    assert dkimpy(text) is None


def test_pointer_marks_the_spot():
    text = "v=1; a=rsa-sha256;\r\n d=x; d=y"
    problem = parse_tags(text).problems[0]
    line, caret = pointer(text, problem.position).split("\n")
    assert line[caret.index("^"):].startswith("d=y")


def test_control_character_in_value_is_reported_and_pointer_stays_aligned():
    text = "v=1; s=sel\x1b[31m; d=x"
    tags = parse_tags(text)
    assert [p.kind for p in tags.problems] == ["bad_char"]
    line, caret = pointer(text, tags.problems[0].position).split("\n")
    assert "\x1b" not in line  # made visible, and the caret still points at it
    assert line[caret.index("^"):].startswith("\\x1b")


def test_cap_on_number_of_tags():
    text = "; ".join(f"t{n}=1" for n in range(500))
    tags = parse_tags(text)
    assert len(tags.tags) == 100
    assert tags.problems[-1].kind == "too_many"


_name = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,3}", fullmatch=True)
_value = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters=";"), max_size=12)
_spec = st.one_of(
    st.tuples(_name, _value).map(lambda nv: f"{nv[0]}={nv[1]}"),
    st.text(max_size=8),  # junk: may lack '=', have a bad name, or be empty
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_spec, max_size=8), st.sampled_from(["; ", ";", " ;\r\n "]), st.booleans())
def test_agrees_with_dkimpy(specs, sep, trailing):
    text = sep.join(specs) + (";" if trailing else "")
    ours = parse_tags(text)  # must never raise
    theirs = dkimpy(text)
    if theirs is not None and ours.ok:
        assert ours.as_dict() == theirs
    if theirs is None:
        assert ours.problems  # dkimpy rejected it: we must have said why
    if not ours.problems:
        assert theirs is not None  # dkimpy is laxer than us, never stricter
