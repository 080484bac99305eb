# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The root of the collection's exceptions.

Every error the collection raises on purpose derives from :class:`MailsecError`: ``message``
says what went wrong and how to fix it, ``field`` names the option to fix when one is to
blame. Modules catch this one root once and fail with ``message``.
"""

from __future__ import annotations


class MailsecError(Exception):
    def __init__(self, message, field=None):
        super(MailsecError, self).__init__(message)
        self.message = message
        self.field = field

    def __str__(self):
        return self.message
