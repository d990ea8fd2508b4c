import multiprocessing
import os
import sys

from .cli import main

if __name__ == "__main__":
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:         # `| head`: what was wanted has been read
        pass
    if not multiprocessing.active_children():
        os._exit(code)              # skips the interpreter's teardown, ~0.6 s of it torch's; nothing is left to do
    sys.exit(code)
