#!/usr/bin/env python3
"""Records buf's answers for the ls-files cases of testdata/modules/cases.txt:
testdata/modules/golden/NAME.stdout, NAME.status (0 or 1) and NAME.stderr.

Each is buf 1.75's output verbatim, except that the absolute path of
testdata/modules is written @DIR@ (so that goldens do not depend on where the
checkout is). Never edit them by hand: run this again.

Usage: tests/oracle/record-modules.py [NAME...]
Environment: BUOY_BUF (default: what tests/oracles.sh prints).
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import run  # noqa: E402  (tests/run.py: the case list parser)


def main():
    buf = os.environ.get("BUOY_BUF")
    if not buf:
        buf = subprocess.run(["bash", os.path.join(run.ROOT, "tests", "oracles.sh")], check=True,
                             capture_output=True, text=True).stdout.strip()
    only = set(sys.argv[1:])
    golden = os.path.join(run.MODULES, "golden")
    os.makedirs(golden, exist_ok=True)
    for name, cwd, args in run.module_case_list():
        if only and name not in only:
            continue
        p = run.run_ls_files(buf, cwd, args)
        for ext, data in (("stdout", p.stdout), ("stderr", p.stderr),
                          ("status", b"%d\n" % (0 if p.returncode == 0 else 1))):
            with open(os.path.join(golden, name + "." + ext), "wb") as f:
                f.write(run.hide_dir(data))
        print("%-32s exit %d" % (name, p.returncode))


if __name__ == "__main__":
    main()
