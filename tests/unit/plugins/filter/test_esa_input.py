# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""esa_input_errors: the ESA modules' input validation, offline (the role's preflight)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.cres.plugins.filter.esa_input import FilterModule, esa_input_errors

GROUP = {'listener': 'IncomingMail', 'name': 'CRES', 'policy': 'CRES_TLS', 'comment': 'CRES replies over TLS',
         'order': 1, 'senders_mode': 'exact',
         'senders': ['.res.cisco.com', '.cres.iphmx.com', '208.90.57.0/26', '204.15.81.0/26']}
NAMES = {'senders': 'cres_tls_senders', 'name': 'cres_tls_sender_group_name', 'order': 'cres_tls_sender_group_order'}


def test_registered():
    assert set(FilterModule().filters()) == {'esa_input_errors'}


def test_valid_group_and_policy():
    assert esa_input_errors(GROUP, 'sender_group') == []
    assert esa_input_errors({'listener': 'IncomingMail', 'name': 'CRES_TLS', 'tls': 'required'},
                            'mail_flow_policy') == []


@pytest.mark.parametrize('senders, needle', [
    (['.res.cisco.com', '204.15.81.0/33'], "senders[1]: '204.15.81.0/33' is not a valid CIDR network"),
    (['208.90.57.1/26'], 'host bits set; did you mean 208.90.57.0/26'),
    (['not a host'], 'comma or blank'),
    ([], 'empty list'),
    ('208.90.57.0/26', 'must be a list'),
])
def test_bad_senders_named_by_variable(senders, needle):
    errors = esa_input_errors(dict(GROUP, senders=senders), 'sender_group', variables=NAMES)
    assert len(errors) == 1
    assert errors[0].startswith('cres_tls_senders (option senders of mailsec.cres.esa_sender_group): ')
    assert needle in errors[0]


@pytest.mark.parametrize('kw, var', [
    (dict(name='has blank'), 'cres_tls_sender_group_name'),
    (dict(order=0), 'cres_tls_sender_group_order'),
    (dict(order='first'), 'cres_tls_sender_group_order'),
])
def test_other_group_options(kw, var):
    errors = esa_input_errors(dict(GROUP, **kw), 'sender_group', variables=NAMES)
    assert len(errors) == 1 and errors[0].startswith(var + ' ')


def test_without_variables_names_the_module_option():
    errors = esa_input_errors(dict(GROUP, comment='a (b)'), 'sender_group')
    assert errors == ['mailsec.cres.esa_sender_group: comment: must be one line without parentheses']


def test_bad_policy_name():
    errors = esa_input_errors({'listener': 'IncomingMail', 'name': 'ALL'}, 'mail_flow_policy',
                              variables={'name': 'cres_tls_policy_name'})
    assert len(errors) == 1 and errors[0].startswith('cres_tls_policy_name ')


@pytest.mark.parametrize('args', [
    (GROUP, 'listener_thing'),
    (dict(GROUP, bogus=1), 'sender_group'),
    (['x'], 'sender_group'),
])
def test_misuse(args):
    with pytest.raises(AnsibleFilterError):
        esa_input_errors(*args)
