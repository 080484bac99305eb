# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired-state logic of the ESA resource modules, one resource per file.

``base``              the Resource base class, Plan / Operation, input errors, shared checks
``sender_group``      esa_sender_group
``mail_flow_policy``  esa_mail_flow_policy
``certificate``       esa_certificate
``runner``            plan, apply, verify (staged and committed), commit, rehearse; esa_commit;
                      the module glue

No AsyncOS string lives here: the device layer (``module_utils/asyncos``) holds them.
"""
