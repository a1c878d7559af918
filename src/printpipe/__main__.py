"""``python -m printpipe``."""

from printpipe.cli import main

main()
