"""Man pages in step with --help.

  man/commands     every command `buoy --help` lists has its page
                   (man/buoy-CMD.1; `debug ...` commands share buoy-debug.1),
                   and buoy.1 names every command
  man/flags/CMD    every long option that `buoy CMD --help` prints is in
                   man/buoy-CMD.1 (roff font escapes and \\- undone first)
"""
import os
import re

FONT = re.compile(r"\\f[BIRP]|\\f\(..|\\&")


def page_text(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return FONT.sub("", text).replace("\\-", "-").replace("\\_", "_")


def commands(r):
    """The commands `buoy --help` lists: the first word of each line of its
    Commands: section (`debug` for its sub-commands)."""
    p = r.run_buoy(["--help"])
    out = p.stdout.decode()
    section = out.split("Commands:", 1)[1].split("\n\n", 1)[0]
    names = []
    for line in section.splitlines():
        words = line.split()
        if words and words[0] not in names:
            names.append(words[0])
    return names


def cases(r, run):
    man = os.path.join(run.ROOT, "man")

    def listed():
        names = commands(r)
        if len(names) < 5:
            return "buoy --help lists too few commands: %r" % names
        top = page_text(os.path.join(man, "buoy.1"))
        missing = [n for n in names if not os.path.exists(os.path.join(man, "buoy-%s.1" % n))]
        missing += ["buoy.1 does not name %s" % n for n in names if "buoy-%s" % n not in top]
        return "; ".join(missing) or None
    r.case("man/commands", listed)

    for name in commands(r):
        def flags(name=name):
            p = r.run_buoy([name, "--help"])
            if p.returncode != 0:
                return "buoy %s --help exited %d" % (name, p.returncode)
            page = os.path.join(man, "buoy-%s.1" % name)
            if not os.path.exists(page):
                return "no man page " + page
            text = page_text(page)
            seen = sorted(set(re.findall(r"--[A-Za-z][A-Za-z0-9_-]*", p.stdout.decode())))
            missing = [f for f in seen if f not in text]
            return "not in %s: %s" % (os.path.basename(page), ", ".join(missing)) if missing else None
        r.case("man/flags/" + name, flags)
