"""What a sweep reads: Maildir cur/ and new/ (never tmp/), mbox split into its messages with
their bytes as stored, directories recursively, and unreadable paths listed, never fatal."""
from __future__ import annotations

import tracemalloc

import pytest

from wizard.sweep.walk import Item, Unreadable, paths_from, read_path, walk

MSG = b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n"


def _paths(found):
    return sorted(f.path for f in found)


def test_maildir_reads_cur_and_new_but_not_tmp_or_hidden(tmp_path):
    box = tmp_path / "Maildir"
    for part in ("cur", "new", "tmp"):
        (box / part).mkdir(parents=True)
        (box / part / f"1.{part}").write_bytes(MSG)
    (box / "cur" / ".lock").write_bytes(b"")
    found = list(walk([str(box)]))
    assert _paths(found) == [str(box / "cur" / "1.cur"), str(box / "new" / "1.new")]
    assert all(isinstance(f, Item) and f.raw is None for f in found)


def test_directories_are_walked_recursively(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one.eml").write_bytes(MSG)
    (tmp_path / "a" / "b" / "two.eml").write_bytes(MSG)
    assert _paths(walk([str(tmp_path)])) == [str(tmp_path / "a" / "b" / "two.eml"),
                                              str(tmp_path / "a" / "one.eml")]


def test_mbox_is_split_and_keeps_each_message_bytes(tmp_path):
    box = tmp_path / "box.mbox"
    box.write_bytes(b"From a@example.com Mon Nov 23 10:00:00 2026\n" + b"Subject: one\n\n"
                    b"first line\n>From quoted\nFrom inside a paragraph stays\n\n"
                    b"From b@example.com Mon Nov 23 11:00:00 2026\n" + b"Subject: two\n\nsecond\n")
    found = list(walk([str(box)]))
    assert [f.path for f in found] == [f"{box}#1", f"{box}#2"]
    assert found[0].raw == (b"Subject: one\n\nfirst line\n>From quoted\n"
                            b"From inside a paragraph stays\n")
    assert found[1].raw == b"Subject: two\n\nsecond\n"


def test_missing_and_unreadable_paths_are_listed_not_fatal(tmp_path):
    folder = tmp_path / "box"
    folder.mkdir()
    (folder / "good.eml").write_bytes(MSG)
    (folder / "loop.eml").symlink_to(folder / "loop.eml")  # open() fails: ELOOP
    found = {f.path: f for f in walk([str(tmp_path / "missing.eml"), str(folder)])}
    assert found[str(tmp_path / "missing.eml")] == Unreadable(str(tmp_path / "missing.eml"), "no such file")
    assert found[str(folder / "loop.eml")] == Unreadable(str(folder / "loop.eml"),
                                                         "too many levels of symbolic links")
    assert found[str(folder / "good.eml")] == Item(str(folder / "good.eml"))


def test_paths_on_stdin_one_per_line():
    assert list(paths_from(["a.eml\n", "\n", "dir with space/\r\n"])) == ["a.eml", "dir with space/"]


def test_walking_holds_no_list_of_the_files(tmp_path):
    """Memory does not grow with the number of messages: walking 4,000 files peaks no higher
    than walking 1,000 (both hold one entry at a time)."""
    def peak(n: int) -> int:
        folder = tmp_path / f"m{n}" / "cur"
        folder.mkdir(parents=True)
        for i in range(n):
            (folder / f"{i}.eml").write_bytes(MSG)
        tracemalloc.start()
        for _ in walk([str(folder.parent)]):
            pass
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return top

    assert peak(4000) < 1.5 * peak(1000)


def test_an_mbox_message_is_read_again_by_its_name(tmp_path):
    box = tmp_path / "box.mbox"
    box.write_bytes(b"From a Mon\nSubject: one\n\n1\n\nFrom b Tue\nSubject: two\n\n2\n")
    assert read_path(f"{box}#2") == b"Subject: two\n\n2\n"
    with pytest.raises(FileNotFoundError, match="fewer than 3 messages"):
        read_path(f"{box}#3")
