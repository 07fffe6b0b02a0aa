"""`python -m dbdesign.cli`: the `dbdesign` command, for environments without the entry point."""
from dbdesign.cli import main

main()
