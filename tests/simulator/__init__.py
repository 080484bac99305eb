"""AsyncOS simulator: an SSH CLI and SMTP/STARTTLS per listener, for tests and the demo.

See tests/simulator/README.md and docs/asyncos-dialect.md (the contract).
"""
