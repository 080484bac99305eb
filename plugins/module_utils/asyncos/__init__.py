# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AsyncOS (Cisco ESA / Secure Email Gateway) device layer.

``dialect``    every AsyncOS string (prompts, menu texts, questions, errors, XML names)
``dialog``     the dialog engine (runs inside the persistent connection)
``scripts``    builders of the dialog scripts the device operations run
``model``      the configuration model (ApplianceConfig and friends)
``config``     parsers: showconfig XML, HAT text, version output
``transcript`` redaction and the opt-in transcript file
``device``     AsyncOSDevice, the class modules use
``argspec``    the argument spec shared by the ESA modules
"""
