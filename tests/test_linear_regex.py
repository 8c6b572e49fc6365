"""Every regular expression the engine applies to input runs in linear time.

A hostile paste must not freeze the app: a 40,000-digit first line once took 27 s in input
classification because one pattern backtracked quadratically. This test finds every pattern in
wizard/ and tui/ by reading the source (literal `re.*(...)`/`lazy(...)` calls, plus compiled
patterns held by a module that the source builds dynamically), learns from the source how each
one is used (match, search, findall, sub, ...), and runs it on pathological inputs of size N and
4N. Linear work grows about 4x; quadratic work grows 16x.
"""
from __future__ import annotations

import ast
import importlib
import re
import time
from pathlib import Path

import pytest

from wizard.common.lazy_re import LazyPattern

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*ROOT.joinpath("wizard").rglob("*.py"), *ROOT.joinpath("tui").rglob("*.py")])
RE_FUNCS = {"compile", "match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer"}
METHODS = RE_FUNCS - {"compile"}
N = 1000
# Below this the big input took too little time for a ratio to mean anything.
FLOOR_S = 0.010
MAX_RATIO = 8.0


def _const_flags(node: ast.expr | None) -> int:
    """The flags argument when it is made of `re.X` names joined by `|`; else 0."""
    if node is None:
        return 0
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "re":
        return int(getattr(re, node.attr, 0))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _const_flags(node.left) | _const_flags(node.right)
    return 0


def _collect() -> dict[tuple[str | bytes, int], set[str]]:
    """(pattern, flags) → the methods the code applies it with."""
    found: dict[tuple[str | bytes, int], set[str]] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named: dict[str, tuple[str | bytes, int]] = {}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            is_re = (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                     and func.value.id == "re" and func.attr in RE_FUNCS)
            is_lazy = isinstance(func, ast.Name) and func.id == "lazy"
            first = node.args[0]
            if not (is_re or is_lazy) or not isinstance(first, ast.Constant):
                continue
            if not isinstance(first.value, (str, bytes)):
                continue
            flag_arg = {"compile": 1, "match": 2, "fullmatch": 2, "search": 2, "findall": 2,
                        "finditer": 2, "split": 3, "sub": 4, "subn": 4}
            idx = 1 if is_lazy else flag_arg[func.attr]  # type: ignore[union-attr]
            flags = _const_flags(node.args[idx] if len(node.args) > idx else next(
                (k.value for k in node.keywords if k.arg == "flags"), None))
            key = (first.value, flags)
            if is_lazy or func.attr == "compile":  # type: ignore[union-attr]
                found.setdefault(key, set())
            else:
                found.setdefault(key, set()).add(func.attr)  # type: ignore[union-attr]
        # Name = re.compile(...) / lazy(...): how the module uses that name.
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and node.value.args:
                c = node.value
                if (isinstance(c.func, ast.Name) and c.func.id == "lazy") or (
                        isinstance(c.func, ast.Attribute) and c.func.attr == "compile"):
                    first = c.args[0]
                    if isinstance(first, ast.Constant) and isinstance(first.value, (str, bytes)):
                        flags = _const_flags(c.args[1] if len(c.args) > 1 else None)
                        for target in node.targets:
                            if isinstance(target, ast.Name):
                                named[target.id] = (first.value, flags)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in METHODS
                    and isinstance(node.value, ast.Name) and node.value.id in named):
                found[named[node.value.id]].add(node.attr)
        # Patterns built at import from pieces (e.g. joined alternatives): take them from the module.
        rel = path.relative_to(ROOT).with_suffix("")
        if rel.name == "__main__":
            continue
        mod = importlib.import_module(".".join(rel.parts).removesuffix(".__init__"))
        for value in vars(mod).values():
            pats = value if isinstance(value, (list, tuple)) else [value]
            for item in pats:
                for p in (item if isinstance(item, tuple) else (item,)):
                    if isinstance(p, (re.Pattern, LazyPattern)):
                        found.setdefault((p.pattern, p.flags & ~re.UNICODE), set())
    # A pattern whose use we could not see is tried both anchored and unanchored.
    return {k: (v or {"match", "search"}) for k, v in found.items()}


PATTERNS = _collect()


def _literals(pattern: str) -> list[str]:
    """Runs of the pattern's own literal text (`spf`, `v=`, `Received:`), to repeat."""
    bare = re.sub(r"\\.|\[[^\]]*\]|[()?*+{}|^$]", " ", pattern)
    return sorted({w for w in bare.split() if 0 < len(w) <= 12})[:6]


def _families(pattern: str) -> list[str]:
    units = ["1", " ", "a", ".", "=", ";", "@", "\t", "a=", "a;", "a ", "1 ", "a.", "=?", "<a",
             "\r\n ", "\n", "-", ":"]
    units += _literals(pattern)
    for lit in _literals(pattern):
        units += [lit + " ", lit + "="]
    return list(dict.fromkeys(units))


def _prefixes(pattern: str) -> list[str]:
    # Anchored patterns only reach their dangerous part after their leading literal.
    lead = re.match(r"\^?((?:\\s\*)?[A-Za-z][\w-]*(?:\\s\*)?[:=]?)", pattern)
    text = re.sub(r"\\s\*", "", lead.group(1)) if lead else ""
    return ["", text] if text else [""]


def _run(compiled: re.Pattern, method: str, subject: str | bytes) -> None:
    if method in ("sub", "subn"):
        getattr(compiled, method)(subject[:0], subject)
    elif method in ("findall", "finditer", "split"):
        list(getattr(compiled, method)(subject))
    else:
        getattr(compiled, method)(subject)


def _time(compiled: re.Pattern, method: str, subject: str | bytes, repeats: int = 2) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        _run(compiled, method, subject)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("key", sorted(PATTERNS, key=repr), ids=lambda k: repr(k[0])[:60])
def test_pattern_is_linear(key: tuple[str | bytes, int]) -> None:
    pattern, flags = key
    compiled = re.compile(pattern, flags)
    text = pattern.decode("latin-1") if isinstance(pattern, bytes) else pattern
    slow = []
    for method in sorted(PATTERNS[key]):
        for prefix in _prefixes(text):
            for unit in _families(text):
                for suffix in ("\x00",):
                    def subject(n: int, prefix: str = prefix, unit: str = unit, suffix: str = suffix) -> str | bytes:
                        s = prefix + unit * (n // len(unit)) + suffix
                        return s.encode("latin-1", "replace") if isinstance(pattern, bytes) else s
                    small = _time(compiled, method, subject(N))
                    big = _time(compiled, method, subject(4 * N))
                    if big > FLOOR_S and big > MAX_RATIO * max(small, FLOOR_S / MAX_RATIO):
                        # Confirm with more runs, so a busy machine is not taken for backtracking.
                        small = _time(compiled, method, subject(N), 5)
                        big = _time(compiled, method, subject(4 * N), 5)
                    if big > FLOOR_S and big > MAX_RATIO * max(small, FLOOR_S / MAX_RATIO):
                        slow.append(f"{method} on {prefix!r}+{unit!r}*n: {small * 1e3:.1f} ms → {big * 1e3:.1f} ms")
    assert not slow, f"{pattern!r} is not linear:\n" + "\n".join(slow[:5])


def test_all_patterns_found() -> None:
    # The classifier's Authentication-Results pattern is the one that froze the app.
    assert any(isinstance(p, str) and "compauth" in p for p, _ in PATTERNS)
    assert len(PATTERNS) > 50


def test_a_first_line_of_40000_digits_is_classified_at_once() -> None:
    from wizard.input.classify import classify

    start = time.perf_counter()
    classify(b"1" * 40_000 + b"\r\n")
    assert time.perf_counter() - start < 1.0  # was 27 s


def test_a_subject_of_80000_spaces_is_examined_at_once() -> None:
    from wizard.transit.intermediaries import strip_subject_tag

    # Header forensics tries each subject-tag pattern on the Subject to undo a gateway's tag.
    start = time.perf_counter()
    strip_subject_tag(" " * 80_000 + "x")
    assert time.perf_counter() - start < 1.0  # was 9-20 s
