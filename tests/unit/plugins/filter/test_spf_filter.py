# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.cres.plugins.filter.spf import FilterModule


F = FilterModule().filters()


def test_add():
    assert F['spf_add_include']('v=spf1 mx:sampleorg1.com ip4:1.2.3.4 -all') == \
        'v=spf1 mx:sampleorg1.com ip4:1.2.3.4 include:res.cisco.com -all'


def test_add_other_include_and_chunks():
    assert F['spf_add_include'](['v=spf1 m', 'x -all'], include='_spf.example.net') == \
        'v=spf1 mx include:_spf.example.net -all'


def test_add_unchanged_when_present():
    text = 'v=spf1 ~include:res.cisco.com -all'
    assert F['spf_add_include'](text) == text


def test_create():
    assert F['spf_add_include'](None, create=True, all_qualifier='fail') == 'v=spf1 include:res.cisco.com -all'
    with pytest.raises(AnsibleFilterError, match='create=true'):
        F['spf_add_include']('')


def test_remove():
    assert F['spf_remove_include']('v=spf1 mx include:res.cisco.com -all') == 'v=spf1 mx -all'
    assert F['spf_remove_include'](None) is None


def test_errors():
    with pytest.raises(AnsibleFilterError, match='spf_add_include'):
        F['spf_add_include']('not spf')
    with pytest.raises(AnsibleFilterError, match='expected the SPF record'):
        F['spf_add_include'](42)
