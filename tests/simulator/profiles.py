"""Release profiles: the wordings and behaviours of one AsyncOS release, as its public record shows.

A data-file key ``profile`` (top level, or per appliance) selects one of PROFILES. Each entry
says where the public record (../shared/reference/asyncos-public-record.md) shows it; where the
record is silent the profiles share one behaviour, and a *variant switch* (data file, per
appliance) lets the tests exercise the other readings the device layer must also handle.

The simulator never imports the device layer's dialect: both are written from the record.
"""

from __future__ import annotations

PROFILES = {
    "12.1": {
        "version": "12.1.0-071",
        # showconfig: three passphrase items before 2021 (OXI #2330, #3327 show item 3 removed later).
        "passphrase_items": ["Mask passphrases (Files with masked passphrases cannot be loaded using loadconfig "
                             "command)", "Encrypt passphrases", "Plain passphrases"],
        # certconfig PASTE: no Common Name question in 12.1 (IAF-C12 paste has none).
        "fqdn_question": None,
        # An existing profile: IAF-C12 treats "Certificate profile .* already exists." as an error
        # string and answers "Yes" at the following prompt (the question's text is not shown).
        "overwrite": ("Certificate profile {name} already exists.", "Do you want to overwrite it?"),
        "unknown_command": "Unknown command: {name}",   # IAF-B
        # 'TLS,but' as IAF-L12 matches it.
        "demo_question": ("You may use the demo certificate to test TLS,but this will not be secure. "
                          "Do you really wish to use the demo certificate?"),
        "filters_questions": False,        # 14.0 adds SDR, outbreak, phishing, graymail, filters (IAF-K14)
        "sender_group_extra_ops": False,   # COUNTRY, EXTERNAL THREAT FEED SOURCE (13.x+, IAF-K14)
    },
    "14.0": {
        "version": "14.0.0-698",
        "passphrase_items": ["Mask passphrases (Files with masked passphrases cannot be loaded using loadconfig "
                             "command)", "Encrypt passphrases"],
        # IAF-C14: 'Do you want to check if Common Name is in Fully Qualified Domain Name(FQDN) format'.
        "fqdn_question": "Do you want to check if Common Name is in Fully Qualified Domain Name(FQDN) format?",
        "overwrite": ("Certificate profile {name} already exists.", "Do you want to overwrite it?"),
        "unknown_command": "Unknown command: {name}",
        "demo_question": ("You may use the demo certificate to test TLS, but this will not be secure. "
                          "Do you really wish to use the demo certificate?"),
        "filters_questions": True,
        "sender_group_extra_ops": True,
    },
    "16.0": {
        "version": "16.0.3-017",
        "passphrase_items": ["Mask passphrases (Files with masked passphrases cannot be loaded using loadconfig "
                             "command)", "Encrypt passphrases"],
        # DEPLOY (16.0.3): 'Do you want to check if Common Name or SAN:dNSName or both are in Fully
        # Qualified Domain Name(FQDN) format ? [N]>'
        "fqdn_question": ("Do you want to check if Common Name or SAN:dNSName or both are in Fully Qualified "
                          "Domain Name(FQDN) format ?"),
        # DEPLOY (16.0.3): one line, name in double quotes.
        "overwrite": ('Certificate profile "{name}" already exists. Do you want to overwrite with this new one?',),
        # NETSIM (15.0): 'Unknown command or missing feature key: NAME'.
        "unknown_command": "Unknown command or missing feature key: {name}",
        "demo_question": ("You may use the demo certificate to test TLS, but this will not be secure. "
                          "Do you really wish to use the demo certificate?"),
        "filters_questions": True,
        "sender_group_extra_ops": True,
    },
}
DEFAULT_PROFILE = "16.0"

# Variant switches for facts the public record does not settle (defaults follow the record's
# best reading). A data file sets them at the top level or per appliance.
VARIANTS = {
    # Does showconfig show this session's uncommitted changes? No public source says.
    "showconfig_pending": True,
    # HOSTACCESS EDIT / DELETE: "auto" shows the entry-type list only when the listener has both
    # sender groups and policies (IAF-L12: the list is not always shown); "always" shows it.
    "hat_type_menu": "auto",
    # After choosing a policy to edit: IAF-L12 goes straight to the behaviour list; True shows a
    # NAME / POLICY menu first (the collection's earlier reading).
    "policy_edit_menu": False,
    # HOSTACCESS NEW sender group / POLICY: IAF-L12 answers "change the policy parameters?" after
    # the behaviour on one code path for every behaviour; False asks it only for inline behaviours.
    "change_params_after_policy": True,
    # Terminal size: None follows the client's PTY (request and window changes); a number fixes it
    # whatever the client asks (an appliance that ignores window changes).
    "terminal_width": None,
    "terminal_height": None,
}


def profile(name: str | None) -> dict:
    key = str(name or DEFAULT_PROFILE)
    if key not in PROFILES:
        raise ValueError(f"unknown profile {key!r} (known: {', '.join(PROFILES)})")
    return PROFILES[key]
