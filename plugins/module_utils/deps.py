# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The optional third-party libraries of the collection, each known once, and the one guard.

Each library is a :class:`Library` below: its pip name, the module that proves it is
installed, the minimum version where the collection needs one (cryptography: 42.0.0, for
``cryptography.x509.verification``; requirements.txt and the module documentation state the
same, a unit test keeps them in step).

Code that imports a library at module level does it inside the library's guard, so that the
module file still imports without it::

    with deps.DNSPYTHON.guard():
        import dns.resolver

Code that needs a library only on some paths imports it where it is used (boto3 alone costs
0.1 s of CPU to import; every DNS task would pay for it). Either way a module asks for what its
options need before doing any work, in one call::

    deps.require(module, deps.DNSPYTHON, deps.CERTIFI.needed(unless='set ca_bundle'))

which fails the module with ``missing_required_lib``, naming the library and its minimum, the
command that installs it into the controller's Python, and the alternative when there is one.
``Library.problem()`` gives the same message for code that reports instead of failing.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import sys
import traceback

from ansible.module_utils.basic import missing_required_lib


def _release(version):
    """(42, 0, 0) from '42.0.0', '42.0.0rc1' or '2026.5.20'; () when there is no number."""
    match = re.match(r'\d+(?:\.\d+)*', version or '')
    return tuple(int(part) for part in match.group(0).split('.')) if match else ()


class Library(object):
    """An optional library: ``name`` (pip and messages), ``module`` (imported to prove it is
    there; its ``__version__`` is compared with ``minimum``), ``minimum`` with ``needed_for``
    (what the minimum buys), ``note`` (what installing it takes besides pip)."""

    def __init__(self, name, module, minimum=None, needed_for=None, recommended=None, note=None):
        self.name = name
        self.module = module
        self.minimum = minimum
        self.needed_for = needed_for
        self.recommended = recommended
        self.note = note
        # Traceback of an import that failed inside guard(): a module of the library the
        # collection uses is missing even though the library itself imports.
        self._guard_failure = None

    def __repr__(self):
        return 'Library(%r)' % self.name

    @property
    def spec(self):
        """What pip installs: ``cryptography>=42.0.0``, or just the name."""
        return '%s>=%s' % (self.name, self.minimum) if self.minimum else self.name

    @contextlib.contextmanager
    def guard(self):
        """Run the import statements of a module file; an ImportError is kept for problem()
        instead of breaking the import of the file (the names stay undefined: modules call
        require() before any code uses them)."""
        try:
            yield
        except ImportError:
            self._guard_failure = traceback.format_exc()

    def diagnose(self, alternative=None):
        """None when the library is usable, else ``(message, traceback or None)``: what is missing
        or too old and how to fix it; ``alternative`` (e.g. 'set ca_bundle') ends the message."""
        try:
            package = importlib.import_module(self.module)
        except ImportError:
            package, failure = None, traceback.format_exc()
        else:
            failure = self._guard_failure
        if package is not None and self.minimum:
            version = getattr(package, '__version__', None) or ''
            if _release(version) < _release(self.minimum):
                message = ("%s %s is installed in the controller's Python %s; mailsec.cres needs %s or later (%s). "
                           "Upgrade it with: %s -m pip install --upgrade '%s'"
                           % (self.name, version or '(no version)', sys.executable, self.minimum, self.needed_for,
                              sys.executable, self.spec))
                if self.recommended:
                    message += ' (%s or later is recommended)' % self.recommended
                return self._ending(message, alternative), None
        if failure is None:
            return None
        message = '%s. Install it with: %s -m pip install %s' % (
            missing_required_lib('%s >= %s' % (self.name, self.minimum) if self.minimum else self.name),
            sys.executable, "'%s'" % self.spec if self.minimum else self.spec)
        return self._ending(message, alternative), failure

    def _ending(self, message, alternative):
        if self.note:
            message += '. %s' % self.note
        message += '.'
        if alternative:
            message += ' Or %s.' % alternative
        return message

    def problem(self, alternative=None):
        """None when the library is usable, else the message of diagnose()."""
        diagnosis = self.diagnose(alternative)
        return diagnosis[0] if diagnosis else None

    def needed(self, unless=None):
        """This library as a requirement of require(); ``unless`` names what makes it unnecessary."""
        return Requirement(self, unless)


class Requirement(object):
    """A library a module needs, with the alternative that would do without it."""

    __slots__ = ('library', 'unless')

    def __init__(self, library, unless=None):
        self.library = library
        self.unless = unless

    def diagnose(self):
        return self.library.diagnose(self.unless)


def require(module, *needs):
    """Fail ``module`` (before it does any work) on the first of ``needs`` that is missing or
    too old. ``needs``: Library objects, ``Library.needed(unless=...)``, or None (not needed
    with these options)."""
    for need in needs:
        if need is None:
            continue
        diagnosis = need.diagnose()
        if diagnosis is not None:
            message, failure = diagnosis
            module.fail_json(msg=message, **({'exception': failure} if failure else {}))


CRYPTOGRAPHY = Library('cryptography', 'cryptography', minimum='42.0.0', needed_for='cryptography.x509.verification',
                       recommended='46.0.6')
CERTIFI = Library('certifi', 'certifi')
DNSPYTHON = Library('dnspython', 'dns.resolver')
REQUESTS = Library('requests', 'requests')
BOTO3 = Library('boto3', 'boto3')
GSSAPI = Library('gssapi', 'gssapi', note='It builds against MIT Kerberos: install its development files first '
                                          '(Debian/Ubuntu: libkrb5-dev, RHEL/Fedora: krb5-devel)')
# Every library above, for the tests and the documentation check.
LIBRARIES = (CRYPTOGRAPHY, CERTIFI, DNSPYTHON, REQUESTS, BOTO3, GSSAPI)
