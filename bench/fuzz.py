"""The long fuzz: CI's schemathesis test (tests/gis_app/test_fuzz.py) with many more examples per operation.

    .venv/bin/python bench/fuzz.py                       # 300 examples per operation, every operation
    .venv/bin/python bench/fuzz.py --examples 1000 -k outfalls

Runs against a PostGIS test database created for the run, like the test suite (DATABASE_URL's server).
Every failure is printed with a curl command that reproduces it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=300, help="examples per operation and mode (default 300)")
    parser.add_argument("--modes", default="positive,negative", help="positive, negative or both (default)")
    parser.add_argument("--phases", default="examples,coverage,fuzzing",
                        help="schemathesis phases (default: all but stateful; CI leaves out coverage)")
    parser.add_argument("-k", dest="select", help="only operations whose test id matches (pytest -k)")
    args = parser.parse_args()
    env = {**os.environ, "FUJIAN_FUZZ_EXAMPLES": str(args.examples), "FUJIAN_FUZZ_MODES": args.modes,
           "FUJIAN_FUZZ_PHASES": args.phases, "FUJIAN_FUZZ_RANDOM": "1"}
    command = [sys.executable, "-m", "pytest", "-p", "no:warnings", "-q", "tests/gis_app/test_fuzz.py"]
    if args.select:
        command += ["-k", args.select]
    started = time.monotonic()
    code = subprocess.call(command, cwd=ROOT, env=env)
    print(f"fuzz: {args.examples} examples per operation, modes {args.modes}, phases {args.phases}, "
          f"{time.monotonic() - started:.0f} s, exit {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
