# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The root of the collection's exceptions.

Every exception the collection defines derives from :class:`MailsecError` (a unit test walks
``plugins/`` to keep it so): ``message`` says what went wrong and how to fix it (``str()`` of
the exception is the same text), ``field`` names the option to fix when one is to blame.
Subclasses add what their callers read (``AsyncOSError.kind``, ``SpfError.section`` ...).
Modules catch this one root once and fail with ``message``.

:class:`TaskFailure` is the failure of a task part way: ``result`` is what the task found and
did before it failed, returned beside ``msg``. ``with SomeFailure.carrying(result):`` turns any
other MailsecError raised inside into that failure, carrying ``result``.
"""

from __future__ import annotations

import contextlib


class MailsecError(Exception):
    def __init__(self, message, field=None):
        super(MailsecError, self).__init__(message)
        self.message = message
        self.field = field

    def __str__(self):
        return str(self.message)


class TaskFailure(MailsecError):
    """The module must fail with ``message`` and ``result`` (the partial result)."""

    def __init__(self, message, result=None, field=None):
        super(TaskFailure, self).__init__(message, field)
        self.result = result if result is not None else {}

    @classmethod
    @contextlib.contextmanager
    def carrying(cls, result):
        """Any MailsecError raised inside becomes ``cls(message, result, field)``; a TaskFailure
        keeps its own result."""
        try:
            yield result
        except TaskFailure:
            raise
        except MailsecError as exc:
            raise cls(exc.message, result, exc.field) from exc
