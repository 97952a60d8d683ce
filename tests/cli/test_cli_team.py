"""The team's passphrase at the command line (issue 11): a short new passphrase is taken
with a warning that says why, and ``join`` says a wrong passphrase in the team's terms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from careterm.cli.main import main
from careterm.cli.session import is_short_passphrase
from careterm.store.store import STORE_FILE
from careterm.team import keys
from tests.support import PASSPHRASE, Result

SHORT = "Kiwi 42 tea"
"""Three words, eleven characters: short on both counts, and in no other output."""
WARNING = ("careterm: warning: this passphrase is short (fewer than 4 words or 16 "
           "characters); anyone who copies the store or the shared folder can try guesses "
           "offline, so a longer one protects the reports better ('careterm passphrase' "
           "changes it)\n")

Run = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``careterm --home HOME ARGS`` in this process, passphrases from the environment."""
    monkeypatch.delenv("CARETERM_HOME", raising=False)

    def run_one(home: Path, *args: str, passphrase: str = PASSPHRASE,
                new: str | None = None) -> Result:
        monkeypatch.setenv("CARETERM_PASSPHRASE", passphrase)
        if new is None:
            monkeypatch.delenv("CARETERM_NEW_PASSPHRASE", raising=False)
        else:
            monkeypatch.setenv("CARETERM_NEW_PASSPHRASE", new)
        code = main(["--home", str(home), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run_one


@pytest.fixture
def laptops(tmp_path: Path, run: Run) -> tuple[Path, Path, Path]:
    """Ada's home (which set up the shared folder), Bo's (which joined it), the folder."""
    ada, bo, shared = tmp_path / "ada", tmp_path / "bo", tmp_path / "shared"
    made = run(ada, "init", "--member", "Ada Example", "--team", "Example Con CARE",
               "--shared", str(shared))
    assert (made.code, made.err) == (0, "")
    joined = run(bo, "join", "--member", "Bo Sample", "--shared", str(shared))
    assert (joined.code, joined.err) == (0, "")
    return ada, bo, shared


# ------------------------------------------------------------ a short passphrase

@pytest.mark.parametrize(("passphrase", "short"), [
    ("Kiwi 42 tea", True),
    ("hunter2", True),
    ("abcdefghijklmno", True),            # 15 characters, one word
    ("abcdefghijklmnop", False),          # 16 characters
    ("cat dog sun hat", False),           # four words
    ("  cat dog sun  ", True),            # spaces around do not count
    (PASSPHRASE, False),
])
def test_short_means_fewer_than_four_words_and_sixteen_characters(passphrase: str,
                                                                  short: bool) -> None:
    assert is_short_passphrase(passphrase) is short


def test_init_takes_a_short_passphrase_and_says_why_it_is_weak(tmp_path: Path,
                                                               run: Run) -> None:
    home = tmp_path / "home"
    made = run(home, "init", "--member", "Ada Example", passphrase=SHORT)
    assert made.code == 0
    assert made.out.startswith("created the encrypted store in ")
    assert made.err == WARNING
    assert SHORT not in made.out + made.err and "Kiwi" not in made.out + made.err
    keys.unlock(home, SHORT).close()


def test_init_with_a_long_passphrase_says_nothing_more(tmp_path: Path, run: Run) -> None:
    made = run(tmp_path / "home", "init", "--member", "Ada Example")
    assert (made.code, made.err) == (0, "")


def test_changing_to_a_short_passphrase_warns(tmp_path: Path, run: Run) -> None:
    home = tmp_path / "home"
    assert run(home, "init", "--member", "Ada Example").code == 0
    changed = run(home, "passphrase", new=SHORT)
    assert changed.code == 0 and changed.err == WARNING
    assert "Kiwi" not in changed.out + changed.err
    keys.unlock(home, SHORT).close()
    back = run(home, "passphrase", passphrase=SHORT, new=PASSPHRASE)
    assert (back.code, back.err) == (0, "")


def test_revoking_with_a_short_new_passphrase_warns(laptops: tuple[Path, Path, Path],
                                                    run: Run) -> None:
    ada, _bo, _shared = laptops
    revoked = run(ada, "revoke", "Bo Sample", new=SHORT)
    assert revoked.code == 0, revoked.err
    assert "removed Bo Sample's laptop" in revoked.out
    assert revoked.err == WARNING
    assert "Kiwi" not in revoked.out + revoked.err


# ------------------------------------------------------------ join, wrong passphrase

def test_join_with_a_wrong_passphrase_says_the_teams_did_not_match(
        laptops: tuple[Path, Path, Path], tmp_path: Path, run: Run) -> None:
    _ada, _bo, shared = laptops
    cy = tmp_path / "cy"
    refused = run(cy, "join", "--member", "Cy Person", "--shared", str(shared),
                  passphrase="not the team passphrase")
    assert refused.code == 1 and refused.out == ""
    assert refused.err == ("careterm: the team's passphrase did not match; "
                           "nothing was written\n")
    assert not cy.exists()
    joined = run(cy, "join", "--member", "Cy Person", "--shared", str(shared))
    assert joined.code == 0 and (cy / STORE_FILE).exists()


def test_a_wrong_passphrase_for_this_laptop_still_says_so(laptops: tuple[Path, Path, Path],
                                                          run: Run) -> None:
    ada, _bo, _shared = laptops
    refused = run(ada, "list", passphrase="not the team passphrase")
    assert refused.code == 1
    assert refused.err == "careterm: wrong passphrase: the store was not unlocked\n"
