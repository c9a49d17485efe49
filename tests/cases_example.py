"""The README's main job on the bundled example.

  example/demo   `buoy generate` over testdata/example with its buf.gen.yaml
                 (protoc-gen-buoy in process), the generated C compiled with
                 -std=c11 -Wall -Wextra -Werror -pedantic together with
                 testdata/example/demo/weather_demo.c against runtime/pb,
                 and run: it must encode, decode, find the copy equal and
                 print the JSON of the message
                 it decoded (compared as JSON values with what proto3 JSON
                 makes of the message the program builds)
"""
import json
import os
import subprocess
import tempfile


def cases(r, run):
    root = run.ROOT
    example = os.path.join(root, "testdata", "example")

    def demo():
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run([r.buoy, "generate", example, "--template", os.path.join(example, "buf.gen.yaml"),
                                "-o", tmp], capture_output=True)
            if p.returncode != 0:
                return "buoy generate failed: " + p.stderr.decode()
            gen = os.path.join(tmp, "gen")
            srcs = sorted(os.path.join(d, f) for d, _, fs in os.walk(gen) for f in fs if f.endswith(".c"))
            if len(srcs) != 2:
                return "expected 2 generated .c files, got %r" % srcs
            exe = os.path.join(tmp, "demo")
            cc = ["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fsanitize=address,undefined",
                  "-I", gen, "-I", os.path.join(root, "runtime"), "-I", os.path.join(root, "runtime", "gen"),
                  os.path.join(example, "demo", "weather_demo.c")] + srcs + [
                  os.path.join(r.build, "libbuoy-pb.a"), "-o", exe]
            p = subprocess.run(cc, capture_output=True)
            if p.returncode != 0:
                return "compiling the demo failed:\n" + p.stderr.decode()
            p = subprocess.run([exe], capture_output=True)
            out = p.stdout.decode()
            if p.returncode != 0 or "equal to the original" not in out:
                return "the demo failed (%d):\n%s%s" % (p.returncode, out, p.stderr.decode())
            text = out[out.index("as JSON:\n") + 9:out.index("service ")]
            got = json.loads(text)
            want = {
                "location": {"latitude": 51.4779, "longitude": -0.0015, "name": "Greenwich"},
                "observedAt": "2025-12-02T00:00:00.250Z",
                "temperatureCelsius": 6.5,
                "windSpeedKmh": 0,
                "condition": "CONDITION_CLOUDY",
                "labels": {"sensor": "thermo-2", "station": "GRW-01"},
            }
            if got != want:
                return "JSON differs:\n%s" % text
            if "/acme.weather.v1.WeatherService/Watch  acme.weather.v1.WatchRequest -> stream acme.weather.v1.Reading" not in out:
                return "method table not printed as expected:\n" + out
        return None

    r.case("example/demo", demo)
