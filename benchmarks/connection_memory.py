"""The memory of one persistent connection process, before it connects: what Ansible's own
``ansible-connection`` holds, what ``network_cli`` with its SSH library adds, and what this
collection's terminal and cliconf plugins add.

    python benchmarks/connection_memory.py [--ssh-type paramiko|libssh]

Prints a JSON list: for each stage, in order, the memory this process holds alone once the
stage's modules are imported: its private dirty pages (MiB), the Python objects of the modules,
which each more such process adds again. Its file pages (the interpreter, the libraries) are
shared by every such process and count once in the tree's sum of proportional set sizes; how
many of them show as private depends on what else runs, so they are left out. The fleet
benchmark keeps one such process per appliance for the whole play (the staged changes live in
its CLI session), so these are the floor under its memory per appliance. Needs
ANSIBLE_COLLECTIONS_PATH with ansible.netcommon and this collection (benchmarks/runner.py sets
it).
"""

from __future__ import annotations

# What this process imports before the stages counts in every figure: as little as
# ansible-connection itself imports (argparse, json), nothing of the benchmark.
import argparse
import importlib
import json
import sys

SSH_LIBRARIES = {"paramiko": "paramiko", "libssh": "pylibsshext.session"}


def stages(ssh_type: str) -> list:
    """(name, what to load) of each stage, in order."""
    def plugins(*specs):
        def load():
            from ansible.plugins import loader

            for kind, name in specs:
                getattr(loader, kind).get(name, class_only=True)
        return load

    def modules(*names):
        return lambda: [importlib.import_module(name) for name in names]

    return [
        ("Python", lambda: None),
        ("+ ansible-connection's imports (ansible-core)",
         modules("ansible.cli.scripts.ansible_connection_cli_stub")),
        (f"+ network_cli with {ssh_type} (ansible.netcommon)",
         lambda: (__import__("ansible.plugins.loader", fromlist=["init_plugin_loader"]).init_plugin_loader(),
                  plugins(("connection_loader", "ansible.netcommon.network_cli"))(),
                  modules(SSH_LIBRARIES[ssh_type])())),
        ("+ this collection's terminal and cliconf plugins",
         plugins(("terminal_loader", "mailsec.cres.asyncos"), ("cliconf_loader", "mailsec.cres.asyncos"))),
    ]


def _private_dirty_mib() -> float:
    kib = 0
    with open("/proc/self/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Private_Dirty:"):
                kib += int(line.split()[1])
    return round(kib / 1024, 1)


def measure(ssh_type: str, run_dir) -> list:
    """[[stage, private MiB], ...], measured in a process of its own."""
    import subprocess

    from benchmarks.runner import ansible_env

    proc = subprocess.run([sys.executable, __file__, "--ssh-type", ssh_type], capture_output=True, text=True,
                          check=True, env=ansible_env(run_dir))
    return json.loads(proc.stdout)


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ssh-type", choices=sorted(SSH_LIBRARIES), default="paramiko")
    args = parser.parse_args(argv)
    out = []
    for name, load in stages(args.ssh_type):
        load()
        out.append([name, _private_dirty_mib()])
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
