# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning, apply, read-back and commit logic of the ESA resources, against a fake device."""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils.esa.base import EsaError
from ansible_collections.mailsec.cres.plugins.module_utils.esa.mail_flow_policy import MailFlowPolicyResource
from ansible_collections.mailsec.cres.plugins.module_utils.esa.runner import EsaFailure, execute, execute_commit
from ansible_collections.mailsec.cres.plugins.module_utils.esa.sender_group import SenderGroupResource
from ansible_collections.mailsec.cres.tests.unit.plugins.module_utils.esa_fake_device import (
    FakeDevice,
    appliance,
    group,
    listener,
    policy,
    profile,
)

CRES = ['.res.cisco.com', '.cres.iphmx.com', '208.90.57.0/26', '204.15.81.0/26']


def sg(**kw):
    params = dict(listener='IncomingMail', name='CRES_TLS', state='present', senders=list(CRES),
                  senders_mode='exact', policy='CRES_TLS_POLICY', comment='CRES replies over TLS', order=1)
    params.update(kw)
    return params


def mfp(**kw):
    params = dict(listener='IncomingMail', name='CRES_TLS_POLICY', state='present', behaviour='accept', tls='required',
                  tls_verify_client=False, max_message_size=None, max_concurrent_connections=None,
                  max_messages_per_connection=None, max_recipients_per_message=None, max_recipients_per_hour=None,
                  smtp_auth=None, smtp_auth_require_tls=None, allow_demo_certificate=False, force=False)
    params.update(kw)
    return params


def with_policy(certificate='cres_cert', extra_groups=(), **params):
    pols = [policy('ACCEPTED'), policy('BLOCKED', 'reject'), policy('CRES_TLS_POLICY', tls='required', **params)]
    groups = [group('BLOCKLIST', ['sbrs[-10.0:-3.0]'], 'BLOCKED', 'Spammers')] + list(extra_groups)
    return appliance(listeners=[listener(certificate=certificate, policies=pols, groups=groups)],
                     certificates=[profile('Demo', 'DE:MO'), profile('cres_cert', 'AB:CD')])


def run(dev, resource_cls, params, check=False, commit=True):
    return execute(dev, resource_cls(params, check_mode=check), commit=commit, diff=True)


def names(dev):
    return [g.name for g in dev.cfg.listeners['IncomingMail'].hat.sender_groups]


# ---------------------------------------------------------------- sender group

def test_sender_group_create_first_then_idempotent():
    dev = FakeDevice(with_policy())
    res = run(dev, SenderGroupResource, sg())
    assert res['changed'] and res['committed']
    assert [c[0] for c in dev.calls] == ['create_sender_group', 'move_sender_group']
    assert names(dev) == ['CRES_TLS', 'BLOCKLIST']
    assert res['sender_group']['order'] == 1
    assert res['diff']['before'] == {} and res['diff']['after']['senders'] == CRES
    assert res['cres_coverage']['complete_by_address'] is False
    assert len(res['cres_coverage']['by_hostname_only']) == 8
    dev.calls = []
    res = run(dev, SenderGroupResource, sg())
    assert res['changed'] is False and dev.calls == [] and not res['committed']
    assert dev.reads == 4  # one per run; after the change the staged view and the committed read


def test_sender_group_check_mode_touches_nothing():
    dev = FakeDevice(with_policy(), check_mode=True)
    res = run(dev, SenderGroupResource, sg(), check=True)
    assert res['changed'] is True
    assert res['commands'][0].startswith('create_sender_group IncomingMail CRES_TLS')
    assert res['sender_group']['order'] == 1
    assert names(dev) == ['BLOCKLIST'] and not dev.commits


def test_sender_group_drift_edited_moved_policy_comment():
    drifted = group('CRES_TLS', ['.RES.cisco.com', '10.9.9.9', '208.90.57.0/26'], 'ACCEPTED', 'edited')
    dev = FakeDevice(with_policy(extra_groups=[group('NEWER', ['.x.com'], 'ACCEPTED'), drifted]))
    # BLOCKLIST, NEWER, CRES_TLS: someone added groups above ours and edited ours.
    res = run(dev, SenderGroupResource, sg())
    assert res['changed']
    methods = [c[0] for c in dev.calls]
    assert methods == ['add_senders', 'remove_senders', 'set_sender_group_policy', 'move_sender_group']
    assert dev.calls[1] == ('remove_senders', 'IncomingMail', 'CRES_TLS', '10.9.9.9')
    assert names(dev) == ['CRES_TLS', 'BLOCKLIST', 'NEWER']
    assert res['diff']['before']['order'] == 3 and res['diff']['after']['order'] == 1
    assert any('move sender group CRES_TLS from position 3 to 1' in c for c in res['changes'])
    assert run(dev, SenderGroupResource, sg())['changed'] is False


def test_sender_group_only_moved_back():
    ours = group('CRES_TLS', CRES, 'CRES_TLS_POLICY', 'CRES replies over TLS')
    dev = FakeDevice(with_policy(extra_groups=[ours]))
    res = run(dev, SenderGroupResource, sg())
    assert res['changed'] and [c[0] for c in dev.calls] == ['move_sender_group']
    assert dev.calls[0] == ('move_sender_group', 'IncomingMail', 'CRES_TLS', 'BLOCKLIST')


def test_sender_group_order_beyond_end_and_append_mode():
    ours = group('CRES_TLS', ['.res.cisco.com', '192.0.2.7'], 'CRES_TLS_POLICY', 'c')
    dev = FakeDevice(with_policy(extra_groups=[ours]))
    res = run(dev, SenderGroupResource, sg(order=9, senders_mode='append', comment=None, senders=['204.15.81.0/26']))
    assert res['changed'] and [c[0] for c in dev.calls] == ['add_senders']
    assert res['sender_group']['senders'] == ['.res.cisco.com', '192.0.2.7', '204.15.81.0/26']
    assert res['sender_group']['order'] == 2 and res['sender_group']['comment'] == 'c'


def test_sender_group_move_to_last_moves_the_followers():
    ours = group('CRES_TLS', CRES, 'CRES_TLS_POLICY', 'CRES replies over TLS')
    dev = FakeDevice(with_policy(extra_groups=[group('A', ['.a.com'], 'ACCEPTED')]))
    dev.cfg.listeners['IncomingMail'].hat.sender_groups.insert(0, ours)
    dev.committed = dev.config()
    res = run(dev, SenderGroupResource, sg(order=3))
    assert dev.calls == [('move_sender_group', 'IncomingMail', 'BLOCKLIST', 'CRES_TLS'),
                         ('move_sender_group', 'IncomingMail', 'A', 'CRES_TLS')]
    assert names(dev) == ['BLOCKLIST', 'A', 'CRES_TLS'] and res['sender_group']['order'] == 3
    assert run(dev, SenderGroupResource, sg(order=3))['changed'] is False


def test_sender_group_absent():
    ours = group('CRES_TLS', CRES, 'CRES_TLS_POLICY')
    dev = FakeDevice(with_policy(extra_groups=[ours]))
    res = run(dev, SenderGroupResource, sg(state='absent'))
    assert res['changed'] and names(dev) == ['BLOCKLIST']
    assert run(dev, SenderGroupResource, sg(state='absent'))['changed'] is False


@pytest.mark.parametrize('params, field, fragment', [
    (dict(listener='Nope'), 'listener', "no listener named 'Nope'"),
    (dict(senders=['.ok.com', '208.90.57.1/26']), 'senders', 'senders[1]'),
    (dict(policy='MISSING'), 'policy', "no mail flow policy named 'MISSING'"),
    (dict(name='CRES_TLS_POLICY'), 'name', 'already the name of a mail flow policy'),
    (dict(order=0), 'order', 'order'),
    (dict(senders=[]), 'senders', 'empty'),
    (dict(name='bad name'), 'name', 'not a valid sender group name'),
])
def test_sender_group_bad_input_changes_nothing(params, field, fragment):
    dev = FakeDevice(with_policy())
    with pytest.raises((EsaError, EsaFailure)) as err:
        run(dev, SenderGroupResource, sg(**params))
    assert fragment in str(err.value)
    exc = err.value
    assert (exc.field if isinstance(exc, EsaError) else exc.result['field']) == field
    assert dev.calls == [] and dev.cleared == 0


def test_sender_group_policy_missing_in_check_mode_warns():
    dev = FakeDevice(appliance(), check_mode=True)
    res = run(dev, SenderGroupResource, sg(), check=True)
    assert res['changed'] and any('check mode' in w for w in res['warnings'])


def test_sender_group_failure_mid_change_clears():
    drifted = group('CRES_TLS', ['.res.cisco.com'], 'ACCEPTED')
    dev = FakeDevice(with_policy(extra_groups=[drifted]), fail_on='set_sender_group_policy')
    with pytest.raises(EsaFailure) as err:
        run(dev, SenderGroupResource, sg())
    assert dev.cleared == 1 and err.value.result['pending_changes'] == 'cleared'
    assert not dev.has_pending_changes()
    assert 'after: add senders' in str(err.value)


def test_sender_group_readback_mismatch_fails_and_clears():
    dev = FakeDevice(with_policy(), lie_on='move_sender_group')
    with pytest.raises(EsaFailure) as err:
        run(dev, SenderGroupResource, sg())
    assert 'does not show' in str(err.value) and 'order is 2, expected 1' in str(err.value)
    assert dev.cleared == 1 and not dev.commits


def test_commit_false_leaves_pending_then_esa_commit():
    dev = FakeDevice(with_policy())
    res = run(dev, SenderGroupResource, sg(), commit=False)
    assert res['changed'] and not res['committed'] and dev.has_pending_changes()
    chk = FakeDevice(dev.cfg, check_mode=True)
    chk.committed = dev.committed
    assert execute_commit(chk, check_mode=True)['changed'] is True and not chk.commits
    res = execute_commit(dev, comment='CRES TLS')
    assert res['changed'] and res['committed'] and dev.commits == ['CRES TLS']
    assert execute_commit(dev)['changed'] is False


def test_staged_session_id_returned_only_when_staged():
    dev = FakeDevice(with_policy())
    res = run(dev, SenderGroupResource, sg(), commit=False)
    assert res['session_id'] == 'session-1'
    assert 'session_id' not in run(dev, SenderGroupResource, sg(), commit=False)  # converged: nothing staged
    assert 'session_id' not in run(FakeDevice(with_policy()), SenderGroupResource, sg(), commit=True)
    chk = FakeDevice(with_policy(), check_mode=True)
    assert 'session_id' not in run(chk, SenderGroupResource, sg(), check=True, commit=False)


def test_staged_sessions_same_session_commits():
    dev = FakeDevice(with_policy())
    staged = [run(dev, MailFlowPolicyResource, mfp(name='P2', tls='preferred'), commit=False)['session_id'],
              run(dev, SenderGroupResource, sg(), commit=False)['session_id'], None, '']
    res = execute_commit(dev, comment='CRES TLS', staged_sessions=staged)
    assert res['committed'] and dev.commits == ['CRES TLS'] and 'lost_sessions' not in res


def test_staged_sessions_relogin_commits_nothing_and_clears():
    dev = FakeDevice(with_policy())
    first = run(dev, MailFlowPolicyResource, mfp(name='P2', tls='preferred'), commit=False)['session_id']
    dev.relogin()  # idle timeout between the tasks: the policy is gone
    second = run(dev, SenderGroupResource, sg(), commit=False)['session_id']
    assert first != second and dev.has_pending_changes()
    with pytest.raises(EsaFailure) as err:
        execute_commit(dev, staged_sessions=[first, second])
    msg = str(err.value)
    assert 're-established' in msg and 'Nothing was committed' in msg and 'rerunning the play converges' in msg
    assert 'ansible_connect_timeout' in msg
    assert not dev.commits and dev.cleared == 1 and not dev.has_pending_changes()
    assert err.value.result['lost_sessions'] == [first] and err.value.result['pending_changes'] == 'cleared'
    assert err.value.result['changed'] is False and err.value.result['committed'] is False


def test_staged_sessions_relogin_nothing_pending_still_fails():
    dev = FakeDevice(with_policy())
    first = run(dev, SenderGroupResource, sg(), commit=False)['session_id']
    dev.relogin()
    with pytest.raises(EsaFailure) as err:
        execute_commit(dev, staged_sessions=[first])
    assert 're-established' in str(err.value) and not dev.commits and dev.cleared == 0
    assert err.value.result['pending_changes'] == 'nothing pending'


def test_staged_sessions_unknown_current_session_fails_safe():
    dev = FakeDevice(with_policy())
    first = run(dev, SenderGroupResource, sg(), commit=False)['session_id']
    dev.session_id = None
    with pytest.raises(EsaFailure):
        execute_commit(dev, staged_sessions=[first])
    assert not dev.commits


def test_staged_sessions_ignored_in_check_mode_and_when_absent():
    dev = FakeDevice(with_policy())
    first = run(dev, SenderGroupResource, sg(), commit=False)['session_id']
    chk = FakeDevice(dev.cfg, check_mode=True)
    chk.committed = dev.committed
    chk.session_id = 'other'
    assert execute_commit(chk, check_mode=True, staged_sessions=[first])['changed'] is True and not chk.commits
    dev.session_id = 'other'  # without the option the behaviour is unchanged
    assert execute_commit(dev)['committed'] is True


def test_commit_failure_reported():
    dev = FakeDevice(with_policy(), fail_on='commit')
    dev.cfg.listeners['IncomingMail'].hat.default_policy = 'X'
    with pytest.raises(EsaFailure) as err:
        execute_commit(dev)
    assert 'still pending' in str(err.value)


# ---------------------------------------------------------------- mail flow policy

def test_policy_create_only_tls_then_idempotent():
    dev = FakeDevice(appliance(listeners=[listener(certificate='cres_cert')],
                               certificates=[profile('Demo', 'DE:MO'), profile('cres_cert', 'AB')]))
    res = run(dev, MailFlowPolicyResource, mfp())
    assert res['changed']
    assert dev.calls == [('create_policy', 'IncomingMail', 'CRES_TLS_POLICY', 'accept', [('tls', 'required')])]
    assert res['policy'] == {'name': 'CRES_TLS_POLICY', 'behaviour': 'accept', 'params': {'tls': 'required'}}
    dev.calls = []
    assert run(dev, MailFlowPolicyResource, mfp())['changed'] is False and dev.calls == []


def test_policy_drift_reset_to_defaults():
    dev = FakeDevice(with_policy(max_concurrency='50', smtpauth_allow='required'))
    dev.cfg.listeners['IncomingMail'].hat.policies['CRES_TLS_POLICY'].params['tls'] = 'preferred'
    dev.committed = dev.config()
    res = run(dev, MailFlowPolicyResource, mfp())
    assert res['changed']
    # SMTP authentication is answered from a list without a "use the default" choice: left as it is
    assert dev.calls == [('update_policy', 'IncomingMail', 'CRES_TLS_POLICY', None,
                          [('max_concurrency', 'default'), ('tls', 'required')])]
    assert res['diff']['before']['params']['tls'] == 'preferred'
    assert res['diff']['after']['params'] == {'tls': 'required', 'smtpauth_allow': 'required'}
    assert any('does not manage' in w and 'smtpauth_allow=required' in w for w in res['warnings'])
    assert run(dev, MailFlowPolicyResource, mfp())['changed'] is False


def test_policy_exposed_parameters_compare_normalised():
    dev = FakeDevice(with_policy(max_message_size='20971520', max_rcpts_per_hour='-1'))
    res = run(dev, MailFlowPolicyResource, mfp(max_message_size='20M', max_recipients_per_hour=-1))
    assert res['changed'] is False
    res = run(dev, MailFlowPolicyResource, mfp(max_message_size='30M', max_recipients_per_hour=-1, smtp_auth='preferred',
                                               tls='preferred', tls_verify_client=True))
    assert dev.calls[-1][-1] == [('max_message_size', '30M'), ('smtpauth_allow', 'preferred'),
                                 ('tls', 'preferred_verify')]


def test_policy_refuses_tls_required_on_demo():
    dev = FakeDevice(appliance())
    with pytest.raises(EsaFailure) as err:
        run(dev, MailFlowPolicyResource, mfp())
    assert err.value.result['field'] == 'tls'
    assert 'demo certificate' in str(err.value) and 'allow_demo_certificate' in str(err.value)
    assert dev.calls == []
    res = run(dev, MailFlowPolicyResource, mfp(allow_demo_certificate=True))
    assert res['changed'] and res['warnings']
    # preferred is allowed with a warning
    dev2 = FakeDevice(appliance())
    assert run(dev2, MailFlowPolicyResource, mfp(tls='preferred'))['warnings']


def test_policy_absent_in_use_refused_then_forced():
    ours = group('CRES_TLS', CRES, 'CRES_TLS_POLICY')
    dev = FakeDevice(with_policy(extra_groups=[ours]))
    with pytest.raises(EsaFailure) as err:
        run(dev, MailFlowPolicyResource, mfp(state='absent'))
    assert 'used by sender group(s) CRES_TLS' in str(err.value) and dev.calls == []
    res = run(dev, MailFlowPolicyResource, mfp(state='absent', force=True))
    assert res['changed'] and dev.calls == [('delete_policy', 'IncomingMail', 'CRES_TLS_POLICY', True)]
    assert run(dev, MailFlowPolicyResource, mfp(state='absent'))['changed'] is False


@pytest.mark.parametrize('params, field', [
    (dict(listener='Nope'), 'listener'),
    (dict(name='BLOCKLIST'), 'name'),
    (dict(max_message_size='10G'), 'max_message_size'),
    (dict(max_concurrent_connections=0), 'max_concurrent_connections'),
    (dict(tls='off', tls_verify_client=True), 'tls_verify_client'),
])
def test_policy_bad_input(params, field):
    dev = FakeDevice(with_policy())
    with pytest.raises((EsaError, EsaFailure)) as err:
        run(dev, MailFlowPolicyResource, mfp(**params))
    exc = err.value
    assert (exc.field if isinstance(exc, EsaError) else exc.result['field']) == field
    assert dev.calls == []


def test_policy_unmanaged_parameter_warns():
    dev = FakeDevice(with_policy(use_sb='off'))
    res = run(dev, MailFlowPolicyResource, mfp())
    assert res['changed'] is False and 'use_sb=off' in res['warnings'][0]


# ------------------------------------------------------------------ rehearsal, committed verification

def test_rehearsal_runs_the_change_verifies_it_and_abandons_it():
    dev = FakeDevice(with_policy(), rehearse=True)
    before = dev.committed.to_dict()
    res = execute(dev, SenderGroupResource(sg()), commit=True, diff=True, rehearse=True)
    assert [c[0] for c in dev.calls] == ['create_sender_group', 'move_sender_group']
    assert res['changed'] is False and not res['committed'] and not dev.commits
    assert res['rehearsal']['matched'] is True and res['rehearsal']['verified'] is True
    assert res['rehearsal']['pending_changes'] == 'cleared'
    assert dev.committed.to_dict() == before and not dev.has_pending_changes()
    assert res['changes'] and res['diff']['after']['order'] == 1


def test_rehearsal_with_commit_false_leaves_the_changes_for_esa_commit_to_abandon():
    dev = FakeDevice(with_policy(), rehearse=True)
    res = execute(dev, SenderGroupResource(sg()), commit=False, rehearse=True)
    assert res['rehearsal']['pending_changes'].startswith('left pending') and dev.has_pending_changes()
    out = execute_commit(dev, rehearse=True)
    assert out['pending_changes'] == 'cleared' and not out['committed'] and not dev.commits
    assert not dev.has_pending_changes()


def test_rehearsal_failure_reports_and_abandons():
    dev = FakeDevice(with_policy(), rehearse=True, fail_on='move_sender_group')
    with pytest.raises(EsaFailure) as err:
        execute(dev, SenderGroupResource(sg()), rehearse=True)
    assert 'rehearsal of sender group' in str(err.value)
    assert err.value.result['rehearsal']['verified'] is False and err.value.result['changed'] is False
    assert dev.cleared == 1


def test_committed_configuration_is_verified_after_the_commit():
    dev = FakeDevice(with_policy(), commit_drops=True)
    with pytest.raises(EsaFailure) as err:
        run(dev, SenderGroupResource, sg())
    assert 'was committed, but the committed configuration' in str(err.value)


def test_esa_commit_verifies_what_the_staging_tasks_expect():
    dev = FakeDevice(with_policy())
    staged = run(dev, SenderGroupResource, sg(), commit=False)
    assert staged['expected']['type'] == 'sender_group' and staged['expected']['order'] == 1
    out = execute_commit(dev, verify=[staged['expected']])
    assert out['committed'] is True
    lost = FakeDevice(with_policy(), commit_drops=True)
    staged = run(lost, SenderGroupResource, sg(), commit=False)
    with pytest.raises(EsaFailure) as err:
        execute_commit(lost, verify=[staged['expected']])
    assert 'sender group CRES_TLS is not present' in str(err.value)
    with pytest.raises(EsaFailure) as err:
        execute_commit(dev, verify=[{'type': 'nonsense'}])
    assert err.value.result['field'] == 'verify'
