# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every AsyncOS string the device layer relies on, in one place.

Nothing else in the collection may spell an AsyncOS prompt, menu text, question, error
text, HAT grammar token or XML element name: import it from here. Each entry says whether
it is *confirmed* (public Cisco material or public code that drives real appliances) or
*assumed* (our best reading; the device layer verifies the effect by reading the
configuration back). ``docs/asyncos-dialect.md`` is the human contract listing the same
facts; when a real appliance disagrees, change this file, the simulator and that document.

Conventions: plain strings are matched as substrings of what the appliance printed
(case-sensitive); names ending in ``_RE`` are regular expression sources (text, compiled
by the users; the terminal plugin compiles bytes versions of the prompt patterns).
"""

from __future__ import annotations

import re

# --------------------------------------------------------------------------------------
# Session and prompts
# --------------------------------------------------------------------------------------

# Main prompt of a standalone appliance: "HOSTNAME> " at the start of a line, end of
# buffer. confirmed (prompt shape); hostname characters [A-Za-z0-9._-]: confirmed.
MAIN_PROMPT_STANDALONE_RE = r"(?:\A|[\r\n])([A-Za-z0-9._-]+)> \Z"
# Main prompt in a cluster: "(Cluster NAME)> ", "(Group NAME)> ", "(Machine HOST)> ".
# confirmed.
MAIN_PROMPT_CLUSTER_RE = r"(?:\A|[\r\n])\((Cluster|Group|Machine) ([^()\r\n]+)\)> \Z"
# Sub-prompt: a line ending in "[DEFAULT]> " (default may be empty). confirmed.
SUB_PROMPT_RE = r"\[([^\[\]\r\n]*)\]> \Z"
# Yes/no questions end in "[Y]> " or "[N]> ". confirmed.
YESNO_DEFAULTS = ("Y", "N")
# Pager at the end of output; any key continues (we send Enter). confirmed (key: assumed).
PAGER_RE = r"-Press Any Key For More-[ \t]*\Z"
PAGER_TEXT = "-Press Any Key For More-"  # confirmed
# PEM paste instruction, no "[]> " after it: "... in PEM format (end with '.'):". assumed.
PASTE_PROMPT_RE = r"\(end with '\.'\):\s*\Z"
# The line that ends a PEM paste. confirmed.
PASTE_END = "."
# Answer to a yes/no question.
YES = "Y"  # confirmed
NO = "N"  # confirmed
# Level names as they appear in the cluster prompt and in cluster-mode messages. confirmed.
LEVEL_CLUSTER = "Cluster"
LEVEL_GROUP = "Group"
LEVEL_MACHINE = "Machine"
# Unknown command. confirmed (prefix).
UNKNOWN_COMMAND = "Unknown command:"

# --------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------
CMD_SHOWCONFIG = "showconfig"  # confirmed
CMD_VERSION = "version"  # confirmed
CMD_LISTENERCONFIG = "listenerconfig"  # confirmed
CMD_CERTCONFIG = "certconfig"  # confirmed
CMD_COMMIT = "commit"  # confirmed
CMD_CLEARCHANGES = "clearchanges"  # confirmed
CMD_SHOWCHANGES = "showchanges"  # confirmed
CMD_CLUSTERMODE_CLUSTER = "clustermode cluster"  # confirmed (one-line form)
CMD_CLUSTERMODE_GROUP = "clustermode group {name}"  # assumed (one-line form)
CMD_CLUSTERMODE_MACHINE = "clustermode machine {name}"  # assumed (one-line form)

# --------------------------------------------------------------------------------------
# version (section 2 of the contract): "Key: value" lines. layout assumed.
# --------------------------------------------------------------------------------------
VERSION_KEY_PRODUCT = "Product"  # assumed
VERSION_KEY_MODEL = "Model"  # assumed
VERSION_KEY_VERSION = "Version"  # assumed
VERSION_KEY_SERIAL = "Serial #"  # assumed
VERSION_LINE_RE = r"^\s*([A-Za-z][A-Za-z #/-]*?)\s*:\s*(.*?)\s*$"  # assumed

# --------------------------------------------------------------------------------------
# showconfig (section 3)
# --------------------------------------------------------------------------------------
SHOWCONFIG_PASSPHRASE_MENU = "Choose the passphrase option"  # confirmed
SHOWCONFIG_MASK_ITEM = "Mask"  # confirmed (item "1. Mask passphrases ...", matched by prefix)
SHOWCONFIG_MASK_YESNO = "Do you want to mask the passphrase?"  # confirmed (older releases)
XML_START = "<?xml version="  # confirmed
XML_END = "</config>"  # confirmed (root element "config")

# XML element names. confirmed: listeners/listener, listener_name, type, port, hat,
# hat_default_*; everything else assumed.
XML_HOSTNAME = "hostname"  # assumed (top-level)
XML_LISTENERS = "listeners"  # confirmed
XML_LISTENER = "listener"  # confirmed
XML_LISTENER_NAME = "listener_name"  # confirmed
XML_LISTENER_TYPE = "type"  # confirmed
XML_LISTENER_PORT = "port"  # confirmed
XML_LISTENER_INTERFACE = "interface"  # assumed
XML_LISTENER_IP = "ip"  # assumed
XML_LISTENER_HOSTNAME = "hostname"  # assumed
XML_LISTENER_CERTIFICATE = "certificate"  # assumed (the listener's TLS profile)
XML_HAT = "hat"  # confirmed
XML_HAT_DEFAULT_PREFIX = "hat_default_"  # confirmed
XML_CERTIFICATES = "certificates"  # assumed
XML_CERTIFICATE = "certificate"  # assumed
XML_CERT_NAME = "name"  # assumed
XML_CERT_PEM = "cert"  # assumed
XML_CERT_INTERMEDIATES = "intermediate_certs"  # assumed
XML_CERT_KEY = "key"  # assumed (masked)
XML_CLUSTER = "cluster"  # assumed (absent when standalone)
XML_CLUSTER_NAME = "cluster_name"  # assumed
XML_CLUSTER_GROUPS = "groups"  # assumed
XML_CLUSTER_GROUP = "group"  # assumed
XML_CLUSTER_GROUP_NAME = "name"  # assumed
XML_CLUSTER_MACHINES = "machines"  # assumed
XML_CLUSTER_MACHINE = "machine"  # assumed
# Elements whose text is secret even when masked; redacted in transcripts. assumed.
XML_SECRET_ELEMENTS = ("key", "passphrase", "password", "private_key", "secret")

# Listener types. confirmed.
LISTENER_TYPES = ("public", "private", "blackhole")
# Built-in certificate profile. confirmed (name).
DEMO_CERTIFICATE = "Demo"

# --------------------------------------------------------------------------------------
# HAT text grammar (section 4). assumed grammar.
# --------------------------------------------------------------------------------------
HAT_POLICY_SIGIL = "$"  # assumed: "$NAME" defines (column 0) or references (indented) a policy
HAT_GROUP_SUFFIX = ":"  # assumed: "NAME:" starts a sender group
HAT_ALL = "ALL"  # assumed: final default entry
HAT_OPEN = "{"  # assumed
HAT_CLOSE = "}"  # assumed
HAT_COMMENT_PREFIX = "#"  # assumed: a whole-line comment
HAT_INDENT = "    "  # assumed: indentation used when rendering
# Behaviour keywords (HAT text) <-> names used by the collection <-> menu texts.
HAT_BEHAVIOURS = {  # assumed keywords
    "accept": "ACCEPT",
    "relay": "RELAY",
    "reject": "REJECT",
    "tcprefuse": "TCPREFUSE",
    "continue": "CONTINUE",
}
BEHAVIOUR_MENU_ITEMS = {  # assumed menu texts of "Select a behavior for this entry."
    "accept": "Accept",
    "relay": "Relay",
    "reject": "Reject",
    "tcprefuse": "TCP Refuse",
    "continue": "Continue",
}
BEHAVIOUR_POLICY_ITEM = "Policy: {name}"  # assumed: a named policy in the behaviour list
# Parameter line inside a policy block: key = "value". assumed.
HAT_PARAM_RE = r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'{}]+))"
HAT_POLICY_NAME_RE = r"[A-Za-z0-9_.\-]+"  # assumed name characters
HAT_GROUP_NAME_RE = r"[A-Za-z0-9_.\-]+"  # assumed name characters

# Policy parameters: key -> (question text, kind). Keys and questions assumed except the
# TLS question (confirmed). kind: "value" = free text with "[current]> ", "menu" = list.
PARAM_QUESTIONS = {
    "max_message_size": "Enter the maximum message size.",  # assumed
    "max_concurrency": "Enter the maximum number of concurrent connections allowed from a single IP address.",  # assumed
    "max_msgs_per_session": "Enter the maximum number of messages per connection.",  # assumed
    "max_rcpts_per_msg": "Enter the maximum number of recipients per message.",  # assumed
    "max_rcpts_per_hour": "Enter the maximum number of recipients per hour from a remote host.",  # assumed
    "tls": "Do you want to allow encrypted TLS connections?",  # confirmed
    "smtp_auth": "Would you like to allow SMTP Authentication?",  # assumed
}
PARAM_MENU_KEYS = ("tls", "smtp_auth")
# Answer that removes a key from a policy (inherit the listener default). assumed.
PARAM_DEFAULT_ANSWER = "default"
# TLS list items by value. assumed texts except No/Preferred/Required (confirmed).
TLS_MENU_ITEMS = {
    "off": "No",  # confirmed
    "preferred": "Preferred",  # confirmed
    "required": "Required",  # confirmed
    "preferred_verify": "Preferred - Verify",  # assumed
    "required_verify": "Required - Verify",  # assumed
    "default": "Use the default",  # assumed
}
SMTP_AUTH_MENU_ITEMS = {  # assumed
    "off": "No",
    "preferred": "Preferred",
    "required": "Required",
    "default": "Use the default",
}
# Human labels of the "Default Policy Parameters" listing. assumed.
HAT_DEFAULTS_TITLE = "Default Policy Parameters"  # assumed

# --------------------------------------------------------------------------------------
# listenerconfig (section 5)
# --------------------------------------------------------------------------------------
MENU_OPERATION = "Choose the operation you want to perform"  # assumed (generic menu title)
LISTENER_LIST_TITLE = "Currently configured listeners:"  # assumed
# "1. IncomingMail (on Data 1, 192.0.2.10) SMTP TCP Port 25 Public". confirmed format.
LISTENER_LIST_RE = r"^\s*\d+\.\s+(\S+)\s+\(on ([^,()]+),\s*([^)]*)\)\s+(\S+)\s+TCP Port (\d+)\s+(\w+)"
OP_NEW = "NEW"  # confirmed
OP_EDIT = "EDIT"  # confirmed
OP_DELETE = "DELETE"  # confirmed
OP_MOVE = "MOVE"  # confirmed
OP_PRINT = "PRINT"  # confirmed
OP_POLICY = "POLICY"  # confirmed
OP_HOSTACCESS = "HOSTACCESS"  # confirmed
OP_CERTIFICATE = "CERTIFICATE"  # confirmed (listener and certconfig)
OP_PASTE = "PASTE"  # confirmed
LISTENER_EDIT_Q = "Enter the name or number of the listener you wish to edit."  # assumed
LISTENER_NOT_FOUND_RE = r'^Listener "[^"]*" does not exist\.'  # assumed
LISTENER_CERT_Q = "Choose the certificate:"  # assumed
DEMO_CERT_Q = "You may use the demo certificate to test TLS"  # confirmed (text start)
HOSTACCESS_TITLE = "Default Policy Parameters"  # assumed
HAT_NEW_GROUP_ITEM = "New Sender Group"  # assumed
HAT_NEW_POLICY_ITEM = "New Policy"  # assumed
HAT_EDIT_GROUP_ITEM = "Edit Sender Group"  # assumed
HAT_EDIT_POLICY_ITEM = "Edit Policy"  # assumed
HAT_DELETE_GROUP_ITEM = "Delete Sender Group"  # assumed
HAT_DELETE_POLICY_ITEM = "Delete Policy"  # assumed
SG_NAME_Q = "Enter a name for this sender group."  # assumed
HOSTS_Q = "Enter the hosts to add."  # assumed
BEHAVIOUR_Q = "Select a behavior for this entry."  # assumed
SG_COMMENT_Q = "Enter a comment for this sender group."  # assumed
POLICY_NAME_Q = "Enter a name for this policy."  # assumed
CHANGE_PARAMS_Q = "Would you like to change the policy parameters?"  # assumed
SG_EDIT_Q = "Enter the sender group number or name you wish to edit."  # assumed
SG_DELETE_Q = "Enter the sender group number or name you wish to delete."  # assumed
SG_MOVE_Q = "Enter the sender group number or name you wish to move."  # confirmed (meaning), text assumed
SG_MOVE_BEFORE_Q = "Enter the sender group number or name you wish to insert before."  # confirmed (meaning), text assumed
HOST_ALREADY_IN_GROUP = "is already in sender group"  # confirmed (text start "Host HOST is already in sender group OTHER. Add anyway?")
HOST_ADD_ANYWAY_Q = "Add anyway?"  # confirmed
HOST_DELETE_Q = "Enter the host number or name you wish to delete."  # assumed
POLICY_EDIT_Q = "Enter the policy number or name you wish to edit."  # assumed
POLICY_DELETE_Q = "Enter the policy number or name you wish to delete."  # assumed
POLICY_IN_USE = "is used by the following sender groups"  # assumed
POLICY_IN_USE_CONTINUE_Q = "Do you want to continue?"  # confirmed ("continue?")

# --------------------------------------------------------------------------------------
# certconfig (section 6)
# --------------------------------------------------------------------------------------
CERT_LIST_TITLE = "List of Certificates"  # assumed
CERT_NAME_Q = "Enter a name for this certificate profile"  # assumed
CERT_EXISTS = "already exists."  # confirmed ("Certificate profile NAME already exists.")
CERT_OVERWRITE_Q = "Do you want to overwrite it?"  # assumed
PASTE_CERT_Q = "Paste public certificate in PEM format"  # confirmed
PASTE_KEY_Q = "Paste private key in PEM format"  # confirmed
PASTE_INTERMEDIATE_Q = "Paste intermediate certificate in PEM format"  # confirmed
ADD_INTERMEDIATE_Q = "Do you want to add an intermediate certificate?"  # assumed
ADD_ANOTHER_INTERMEDIATE_Q = "Do you want to add another intermediate certificate?"  # assumed
CN_FQDN_Q = "Do you want to check whether the Common Name is a fully qualified domain name?"  # confirmed (meaning), text assumed
CERT_DELETE_Q = "Enter the number of the certificate profile you wish to delete."  # assumed

# --------------------------------------------------------------------------------------
# commit / clearchanges / showchanges (section 7)
# --------------------------------------------------------------------------------------
COMMIT_COMMENT_Q = "enter some comments describing your changes"  # confirmed
COMMIT_ROLLBACK_Q = "save the current configuration for rollback"  # confirmed
COMMIT_DONE = "Changes committed"  # assumed
NO_DATA_TO_COMMIT = "no data to commit."  # confirmed
CLEAR_Q = "Are you sure you want to clear all changes since the last commit?"  # assumed
CLEAR_DONE = "Changes cleared"  # assumed
NO_CHANGES = "No changes have been made"  # confirmed

# --------------------------------------------------------------------------------------
# Cluster levels (section 7)
# --------------------------------------------------------------------------------------
CLUSTER_NOTICE = "has not yet been configured for the current cluster mode"  # confirmed
CLUSTER_WHAT_TO_DO_Q = "What would you like to do?"  # confirmed
CLUSTER_SWITCH_ITEM = "Switch modes"  # confirmed (item prefix)
CLUSTER_SWITCH_ITEM_RE = r'Switch modes to edit at mode "([^"]+)"'  # confirmed
CLUSTER_NEW_EMPTY_ITEM = "Start a new, empty configuration"  # confirmed (never chosen)
CLUSTER_NEW_EMPTY_YESNO = "Do you want to start a new, empty configuration"  # confirmed (answered N)
CLUSTER_RESTRICTED = "This command is restricted to"  # confirmed
CLUSTER_RESTRICTED_SWITCH_Q = "Would you like to switch to"  # confirmed
CLUSTER_MODE_RE = r"current cluster mode \(([^)]*)\)"  # confirmed

# --------------------------------------------------------------------------------------
# Error strings (section 8). Matched at the start of a line.
# --------------------------------------------------------------------------------------
ERROR_PREFIXES_CONFIRMED = (
    "Unknown command:",
    "Invalid arguments when processing:",
    "Unknown option",
    "You must enter a",
    "Value must be ",
    "You are not in the correct access group to use",
    "Traceback",
    "-- Changes not recorded",
    "key does not sign certificate",
    "Invalid certificate",
    "Invalid private key",
    "This command is restricted to run in machine mode",
)
ERROR_PATTERNS_ASSUMED = (
    LISTENER_NOT_FOUND_RE,
    r"^Invalid host: ",
    r'^A sender group or policy named "[^"]*" already exists\.',
    r"^Certificate profile \S+ is in use",
    r"^Commit failed:",
)
ERROR_RE_SOURCES = tuple(r"^" + re.escape(p) for p in ERROR_PREFIXES_CONFIRMED) + ERROR_PATTERNS_ASSUMED


def error_regexes(flags=re.MULTILINE):
    """Compiled (text) error patterns, anchored at the start of a line."""
    return [re.compile(src, flags) for src in ERROR_RE_SOURCES]


def prompt_regexes():
    """Compiled (text) prompt patterns, end-anchored: (kind, regex)."""
    return [
        ("main", re.compile(MAIN_PROMPT_CLUSTER_RE)),
        ("main", re.compile(MAIN_PROMPT_STANDALONE_RE)),
        ("pager", re.compile(PAGER_RE)),
        ("paste", re.compile(PASTE_PROMPT_RE)),
        ("sub", re.compile(SUB_PROMPT_RE)),
    ]


def level_command(level, name=None):
    """The one-line clustermode command that switches to a level."""
    level = (level or "").lower()
    if level == "cluster":
        return CMD_CLUSTERMODE_CLUSTER
    if level == "group":
        return CMD_CLUSTERMODE_GROUP.format(name=name)
    if level == "machine":
        return CMD_CLUSTERMODE_MACHINE.format(name=name)
    raise ValueError("unknown cluster level %r" % (level,))
