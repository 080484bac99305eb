# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One exception root: every exception class under plugins/ derives from MailsecError, whose
``message`` is what ``str()`` gives."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

from ansible_collections.mailsec.cres import plugins
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.dialog import DialogError, TransportError
from ansible_collections.mailsec.cres.plugins.module_utils.dns.base import ConflictError, DnsProviderError
from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError, TaskFailure
from ansible_collections.mailsec.cres.plugins.module_utils.senders import SenderError
from ansible_collections.mailsec.cres.plugins.module_utils.spf import SpfError

# Not errors: ends a module run in the controller the way SystemExit ends AnsibleModule, so a
# module's ``except Exception`` must not catch it (plugin_utils/controller_module.py).
NOT_ERRORS = {'ansible_collections.mailsec.cres.plugins.plugin_utils.controller_module.ModuleExit'}


def _modules():
    for info in pkgutil.walk_packages(plugins.__path__, plugins.__name__ + '.'):
        yield importlib.import_module(info.name)


def _exception_classes():
    for module in _modules():
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, BaseException):
                yield '%s.%s' % (cls.__module__, cls.__qualname__), cls


def test_every_exception_class_derives_from_the_root():
    found = dict(_exception_classes())
    assert len(found) > 20, sorted(found)
    strays = sorted(name for name, cls in found.items() if not issubclass(cls, MailsecError) and name not in NOT_ERRORS)
    assert not strays, 'derive these from errors.MailsecError: %s' % ', '.join(strays)


def test_no_exception_class_hides_from_the_walk():
    """The walk sees module-level classes only: no class that looks like an exception is nested."""
    root = Path(plugins.__file__).parent
    nested = []
    for path in root.rglob('*.py'):
        tree = ast.parse(path.read_text())
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and id(node) not in top:
                bases = [ast.unparse(b) for b in node.bases]
                if any(b.endswith(('Error', 'Exception', 'Failure')) for b in bases):
                    nested.append('%s:%s' % (path.relative_to(root), node.name))
    assert not nested


@pytest.mark.parametrize('exc,text', [
    (MailsecError('bad', 'field'), 'bad'),
    (SpfError('not an SPF record', '4.5'), 'not an SPF record'),
    (ConflictError('changed', provider='rfc2136', zone='example.com'), 'provider rfc2136, zone example.com: changed'),
    (DnsProviderError('plain'), 'plain'),
    # the cliconf plugin sends str() of these over JSON-RPC: it is the message itself
    (TransportError('connection to the appliance lost'), 'connection to the appliance lost'),
    (DialogError('menu item not offered', kind='menu'), 'menu item not offered'),
])
def test_one_message_attribute(exc, text):
    assert exc.message == str(exc) == text == exc.args[0]


def test_bases_that_callers_catch_are_kept():
    assert issubclass(SenderError, ValueError)
    assert DialogError('x', kind='menu').kind == 'menu'


def test_carrying_gives_the_partial_result():
    class Failure(TaskFailure):
        pass

    result = {'zone': 'example.com'}
    with pytest.raises(Failure) as err:
        with Failure.carrying(result):
            raise ConflictError('changed', provider='zonefile')
    assert err.value.message == 'provider zonefile: changed' and err.value.result is result
    assert isinstance(err.value.__cause__, ConflictError)
    own = Failure('own', {'attempts': 2})
    with pytest.raises(Failure) as err:
        with Failure.carrying(result):
            raise own
    assert err.value is own
    with pytest.raises(KeyError):
        with Failure.carrying(result):
            raise KeyError('not ours: an unexpected error stays one')
