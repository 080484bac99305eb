"""Test harness: starts the real servers the tests talk to (BIND, PowerDNS, SMTP, simulator)."""
