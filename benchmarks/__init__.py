"""Fleet benchmark of mailsec.cres (see docs/benchmarks.md): ``benchmarks/run.sh``."""
