"""``python -m printpipe``."""

from printpipe.cli import main

if __name__ == "__main__":  # image workers start from a server that imports this module
    main()
