#!/usr/bin/env python3
"""Console end-to-end tests: each tests/console/*.case file is a script.

Header lines:  '# args: ...' (console arguments), '# now: YYYY-MM-DD HH:MM'
(fixes the clock through CAUCUS_NOW).  Then '> line' lines are typed into
one console run, and the output is checked against the expectations, in
order: '< text' must appear after the previous match; '!< text' must not
appear anywhere in the answers to the '>' line it follows.
Prints one line per case and 'N passed, N failed'.
"""
import os
import shlex
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
caucus = os.path.join(root, "caucus")
config = os.path.join(root, "bot.example.toml")


def run_case(path, tmp):
    args, now, steps = [], None, []
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if line.startswith("# args:"):
            args = shlex.split(line[7:])
        elif line.startswith("# now:"):
            now = line[6:].strip()
        elif line.startswith("> "):
            steps.append([line[2:], [], []])
        elif line.startswith("< "):
            steps[-1][1].append(line[2:])
        elif line.startswith("!< "):
            steps[-1][2].append(line[3:])
    db = os.path.join(tmp, os.path.basename(path) + ".db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    env = dict(os.environ)
    if now:
        env["CAUCUS_NOW"] = now
    # a marker after each line splits the output per step
    script = "".join(f"{s[0]}\n/mark\n" for s in steps)
    proc = subprocess.run([caucus, "console", "-c", config, "--db", db] + args,
                          input=script.encode(), capture_output=True, env=env, timeout=60,
                          cwd=root)     # files a case names are relative to the top
    out = proc.stdout.decode("utf-8", "replace")
    chunks = out.split("(console: /room ISSUE")
    errors = []
    if proc.returncode != 0:
        errors.append(f"exit {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    if len(chunks) < len(steps) + 1:
        errors.append(f"expected {len(steps)} answers, output:\n{out}")
        return errors
    for i, (cmd, wants, nots) in enumerate(steps):
        chunk = chunks[i]
        # drop the tail of the previous marker's own line
        chunk = chunk.split("\n", 1)[1] if i and "\n" in chunk else chunk
        pos = 0
        for w in wants:
            j = chunk.find(w, pos)
            if j < 0:
                errors.append(f"'{cmd}': expected '{w}' in:\n{chunk}")
                break
            pos = j + len(w)
        for n in nots:
            if n in chunk:
                errors.append(f"'{cmd}': did not expect '{n}' in:\n{chunk}")
    return errors


def console(db, script="!issues\n"):
    return subprocess.run([caucus, "console", "-c", config, "--db", db],
                          input=script.encode(), capture_output=True, timeout=60)


def live_database(tmp):
    """The console refuses a database holding a daemon's login (it would
    add its speaker to the real rooms); a copy made for it is fine."""
    import sqlite3
    errors = []
    db = os.path.join(tmp, "daemon.db")
    if console(db).returncode != 0:
        return ["cannot make a database with the console"]
    st = os.stat(db)
    con = sqlite3.connect(db)
    con.execute("INSERT INTO meta(key, value) VALUES ('access_token', 'syt_x'), "
                "('device_id', 'DEV'), ('daemon.file', ?)", (f"{st.st_dev}:{st.st_ino}",))
    con.commit()
    copy = os.path.join(tmp, "copy.db")
    with sqlite3.connect(copy) as dst:
        con.backup(dst)
    con.close()
    p = console(db)
    err = p.stderr.decode(errors="replace")
    if p.returncode == 0 or "is the database of a bot that logged in" not in err:
        errors.append(f"the daemon's database was not refused: exit {p.returncode}, {err}")
    if b"Cybersecurity" in p.stdout:
        errors.append("the console answered on the daemon's database")
    p = console(copy)
    if p.returncode != 0 or b"Cybersecurity" not in p.stdout:
        errors.append(f"a copy was refused: exit {p.returncode}, {p.stderr!r}")
    # a database from before daemons said which file is theirs: refused too
    con = sqlite3.connect(db)
    con.execute("DELETE FROM meta WHERE key = 'daemon.file'")
    con.commit()
    con.close()
    if console(db).returncode == 0:
        errors.append("an older daemon's database was not refused")
    return errors


def main():
    import tempfile
    cases = sorted(f for f in os.listdir(here) if f.endswith(".case"))
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for c in cases:
            errs = run_case(os.path.join(here, c), tmp)
            if errs:
                failed += 1
                print(f"FAIL {c}")
                for e in errs:
                    print("   " + e.replace("\n", "\n   "))
            else:
                passed += 1
                print(f"ok   {c}")
        errs = live_database(tmp)
        if errs:
            failed += 1
            print("FAIL live database refused")
            for e in errs:
                print("   " + e.replace("\n", "\n   "))
        else:
            passed += 1
            print("ok   live database refused")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
