# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dialect.py and docs/asyncos-dialect.md state the same facts, each with its source."""

from __future__ import annotations

from pathlib import Path

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect

DOC = Path(__file__).resolve().parents[5] / "docs" / "asyncos-dialect.md"


def test_every_phrase_is_documented_with_its_first_key_phrase():
    text = dialect.normalize(DOC.read_text())
    missing = [p.name for p in dialect.phrases() if p.keys[0] not in text]
    assert not missing, missing


def test_every_phrase_names_known_sources_and_a_status():
    for phrase in dialect.phrases():
        assert phrase.status in (dialect.CONFIRMED, dialect.ASSUMED), phrase
        assert phrase.sources, phrase
        assert set(phrase.sources) <= set(dialect.SOURCES), phrase
    documented = DOC.read_text()
    assert all(key in documented for key in dialect.SOURCES)


def test_phrases_match_case_and_whitespace_insensitively():
    assert dialect.CN_FQDN_Q.found_in("Do you want to CHECK IF common\r\nname is in Fully Qualified Domain Name(FQDN)")
    assert dialect.NO_DATA_TO_COMMIT.found_in("There is no data to commit.")
    assert not dialect.COMMIT_DONE.found_in("There is no data to commit.")
