"""Runtime loose ends (maps' keyed hash, JSON corner cases).

Categories:
  rtfix/map-hashdos   tests/rtfix/map_hash_test.c: 4,096 integer and 1,024
                      string keys that all collided under the maps' old
                      unkeyed hash are inserted; the probes needed to look
                      every key up (bounded from the index's clusters) stay
                      under 8 per key, every key is found with its value,
                      deletes work, and two maps of the same keys are laid
                      out differently (per-map hash keys)."""
import os
import subprocess


def cases(r, run):
    test = os.path.join(r.build, "tests", "map-hash-test")
    if os.path.exists(test):
        def map_hashdos():
            p = subprocess.run([test], capture_output=True, timeout=300)
            bad = run.sanitizer_noise(p.stderr)
            if bad or p.returncode != 0:
                return bad or (p.stdout + p.stderr).decode("utf-8", "replace")[-4000:]
            if r.verbose:
                print("     " + p.stdout.decode().strip().replace("\n", "\n     "))
            return None

        r.case("rtfix/map-hashdos", map_hashdos)
