#!/usr/bin/python3
"""check.py - caucus.toml(5) documents every key of the configuration.

The keys are read from bot/config.c itself, so a key added there fails this
test until the man page has it: every '{ "section", "name", TOML_TYPE' row
of the key table, and every 'static const char *const NAME_keys[] = {...}'
list (the keys of the [[NAME]] array tables).  In the page each key is an
'.It Cm NAME Pq TYPE' item under the '.Ss "[section]"' of its table, with
the type the table gives.  Each key must also appear in bot.example.toml,
set or in a comment, in its section.

    tests/man/check.py [bot/config.c] [man/caucus.toml.5] [bot.example.toml]
"""
import re
import sys

TYPES = {"STRING": "string", "ARRAY": "array", "BOOL": "boolean",
         "INTEGER": "integer", "FLOAT": "float", "TABLE": "table",
         "DATETIME": "datetime"}


def table_keys(src):
    """{(section, key): type or None} from the C source."""
    keys = {}
    for sec, name, typ in re.findall(
            r'\{\s*"([a-z_]+)"\s*,\s*"([a-z_]+)"\s*,\s*TOML_([A-Z_]+)', src):
        keys[(sec, name)] = TYPES.get(typ, typ.lower())
    for sec, body in re.findall(
            r'static\s+const\s+char\s*\*\s*const\s+([a-z_]+)_keys\s*\[\s*\]\s*=\s*\{([^}]*)\}',
            src):
        for name in re.findall(r'"([a-z_]+)"', body):
            keys.setdefault((sec, name), None)
    return keys


def page_keys(text):
    """{(section, key): type} from the mdoc source."""
    keys, sec = {}, None
    for line in text.splitlines():
        m = re.match(r'\.Ss\s+"?\[+([a-z_]+)\]+(\\&)?"?\s*$', line)
        if m:
            sec = m.group(1)
            continue
        if line.startswith(".Sh"):
            sec = None
            continue
        m = re.match(r'\.It\s+Cm\s+([a-z_]+)\s+Pq\s+(\w+)', line)
        if m and sec:
            keys[(sec, m.group(1))] = m.group(2)
    return keys


def example_keys(text):
    """{(section, key)} set or commented out in the example file."""
    keys, sec = set(), None
    for line in text.splitlines():
        m = re.match(r'\s*#?\s*\[+([a-z_]+)\]+\s*(#.*)?$', line)
        if m:
            sec = m.group(1)
            continue
        m = re.match(r'\s*#?\s*([a-z_]+)\s*=', line)
        if m and sec:
            keys.add((sec, m.group(1)))
    return keys


def main():
    args = sys.argv[1:] + ["bot/config.c", "man/caucus.toml.5", "bot.example.toml"][len(sys.argv) - 1:]
    src, page, example = (open(p, encoding="utf-8").read() for p in args[:3])
    want = table_keys(src)
    if len(want) < 10:
        print("man-test: found only %d keys in %s: has the key table changed shape?"
              % (len(want), args[0]))
        return 1
    have = page_keys(page)
    shown = example_keys(example)
    bad = 0
    for (sec, name), typ in sorted(want.items()):
        if (sec, name) not in have:
            print("man-test: %s.%s (%s) is not documented in %s"
                  % (sec, name, args[0], args[1]))
            bad += 1
        elif typ and have[(sec, name)] != typ:
            print("man-test: %s.%s is %s %s in %s, but '%s' in %s"
                  % (sec, name, "an" if typ[0] in "aeiou" else "a", typ, args[0],
                     have[(sec, name)], args[1]))
            bad += 1
        if (sec, name) not in shown:
            print("man-test: %s.%s is missing from %s" % (sec, name, args[2]))
            bad += 1
    print("man-test: %d keys of %s, %d documented in %s%s"
          % (len(want), args[0], len(have), args[1],
             "" if not bad else ": %d problem%s" % (bad, "s" if bad > 1 else "")))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
