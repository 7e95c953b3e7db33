#!/usr/bin/python3
"""run.py - differential test of the TOML decoder against Debian's tomli.

Every file given (the fuzz corpus), a generated set of valid documents and
mutants of them go to both tests/toml-decoder (toml-test's tagged JSON on
stdout, exit 1 on invalid input) and tomli (python3-tomli, TOML 1.0).  They
must agree on accept or reject and, when both accept, on the decoded value:
same tables, keys, types and values (floats bit for bit, NaN as NaN, date-
times to the microsecond tomli keeps).  Needs no network and no ../shared.

    tests/toml-diff/run.py DECODER [FILE_OR_DIR...] [--count N] [--seed S]
"""
import datetime
import math
import os
import random
import re
import subprocess
import sys

try:
    import tomli
except ImportError:
    sys.exit("toml-diff: python3-tomli is missing (apt-get install python3-tomli)")

# --- the decoder's output as Python values -------------------------------

DT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                r"([Zz]|[+-]\d{2}:\d{2})?$")
D = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
T = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(\.\d+)?$")


class LeapSecond(Exception):
    """A time with second 60: valid RFC 3339, but Python (so tomli) cannot
    hold it, and tomli rejects the document.  Counted, not compared."""


def check_second(sec):
    if int(sec) == 60:
        raise LeapSecond()


def micro(frac):
    return int((frac[1:] + "000000")[:6]) if frac else 0


def parse_dt(text, want_offset):
    m = DT.match(text)
    if not m or bool(m.group(8)) != want_offset:
        raise ValueError("bad datetime text %r" % text)
    check_second(m.group(6))
    tz = None
    if m.group(8):
        off = m.group(8)
        if off in "Zz":
            tz = datetime.timezone.utc
        else:
            sign = -1 if off[0] == "-" else 1
            tz = datetime.timezone(sign * datetime.timedelta(hours=int(off[1:3]),
                                                             minutes=int(off[4:6])))
    return datetime.datetime(*(int(m.group(i)) for i in range(1, 7)),
                             micro(m.group(7)), tzinfo=tz)


def untag(v):
    if isinstance(v, list):
        return [untag(x) for x in v]
    if isinstance(v, dict) and set(v) == {"type", "value"} and isinstance(v["type"], str) \
            and isinstance(v["value"], str):
        t, s = v["type"], v["value"]
        if t == "string":
            return s
        if t == "integer":
            return int(s)
        if t == "float":
            return float(s)
        if t == "bool":
            return {"true": True, "false": False}[s]
        if t == "datetime":
            return parse_dt(s, True)
        if t == "datetime-local":
            return parse_dt(s, False)
        if t == "date-local":
            m = D.match(s)
            return datetime.date(*(int(x) for x in m.groups()))
        if t == "time-local":
            m = T.match(s)
            check_second(m.group(3))
            return datetime.time(int(m.group(1)), int(m.group(2)), int(m.group(3)),
                                 micro(m.group(4)))
        raise ValueError("unknown type %r" % t)
    if isinstance(v, dict):
        return {k: untag(x) for k, x in v.items()}
    raise ValueError("untagged value %r" % (v,))


def same(a, b, path="$"):
    """None when equal, else where and how they differ."""
    if type(a) is not type(b):
        return "%s: %s vs %s" % (path, type(a).__name__, type(b).__name__)
    if isinstance(a, dict):
        if list(a) != list(b) and set(a) != set(b):
            return "%s: keys %s vs %s" % (path, sorted(a), sorted(b))
        for k in a:
            d = same(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d vs %d items" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = same(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if isinstance(a, float):
        if math.isnan(a) and math.isnan(b):
            return None
        return None if a == b and math.copysign(1, a) == math.copysign(1, b) else \
            "%s: %r vs %r" % (path, a, b)
    if isinstance(a, datetime.datetime):
        if a != b or (a.utcoffset() != b.utcoffset()):
            return "%s: %s vs %s" % (path, a.isoformat(), b.isoformat())
        return None
    return None if a == b else "%s: %r vs %r" % (path, a, b)


def decoder_run(decoder, data):
    import json
    p = subprocess.run([decoder], input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=10)
    if p.returncode == 0:
        try:
            return True, untag(json.loads(p.stdout.decode("utf-8")))
        except LeapSecond:
            return "leap", None
        except ValueError as e:
            return None, "unreadable output (%s): %r" % (e, p.stdout[:300])
    if p.returncode == 1:
        return False, p.stderr.decode("utf-8", "replace").strip()
    return None, "exit status %d: %s" % (p.returncode, p.stderr[-500:])


def tomli_run(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return False, "not UTF-8: %s" % e
    # tomli takes text and leaves a byte order mark to whoever decoded the
    # bytes; TOML parsers reading files (and toml-test) skip it.
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return True, tomli.loads(text)
    except tomli.TOMLDecodeError as e:
        return False, str(e)
    except (ValueError, OverflowError) as e:       # e.g. a date out of range
        return False, str(e)


# --- generated documents --------------------------------------------------

class Gen:
    def __init__(self, rnd):
        self.r = rnd

    def bare(self):
        r = self.r
        return "".join(r.choice("abcxyz_-019") for _ in range(r.randint(1, 6)))

    def key(self):
        """(the key as decoded, its TOML text)"""
        r = self.r
        k = self.bare()
        c = r.random()
        if c < 0.15:
            text, dec = r.choice([("", ""), (" ", " "), (".", "."), ("é", "é"),
                                  ("\\t", "\t"), ("\\u0041", "A")])
            return k + dec, '"%s%s"' % (k, text)
        if c < 0.25:
            return k, "'%s'" % k
        return k, k

    def string(self):
        r = self.r
        c = r.random()
        words = [r.choice(["a", "Zz", " ", "é", "日本", "#", "=", "[", "'", "0", "\U0001F600"])
                 for _ in range(r.randint(0, 8))]
        plain = "".join(words)
        if c < 0.4:
            esc = r.choice(['\\"', "\\\\", "\\n", "\\t", "\\u00e9", "\\U0001F600", "\\b",
                            "\\f", "\\r", "\\u0000", ""])
            body = plain.replace("\\", "") .replace('"', "")
            return '"%s%s"' % (body, esc)
        if c < 0.6:
            return "'%s'" % plain.replace("'", "")
        if c < 0.8:
            return '"""%s\n%s\\\n   x"""' % (r.choice(["", "\n"]), plain.replace('"', "")
                                                .replace("\\", ""))
        return "'''%s\n%s'''" % (r.choice(["", "\n"]), plain.replace("'", ""))

    def integer(self):
        r = self.r
        c = r.random()
        n = r.choice([0, 1, 7, 42, 1000, 123456789, 2 ** 63 - 1, r.randint(0, 10 ** 12)])
        if c < 0.5:
            s = str(n)
            if len(s) > 3 and r.random() < 0.5:
                s = s[0] + "_" + s[1:]
            return r.choice(["", "+", "-"]) + s if n else r.choice(["0", "+0", "-0"])
        if c < 0.7:
            return "0x" + r.choice(["%x", "%X"]) % n
        if c < 0.85:
            return "0o%o" % n
        return "0b" + bin(n)[2:]

    def float_(self):
        r = self.r
        return r.choice(["0.0", "-0.0", "+1.5", "3.14159", "1e10", "1E-10", "6.626e-34",
                         "-2.5e+3", "1_000.000_1", "inf", "-inf", "+inf", "nan", "-nan",
                         "+nan", "1.7976931348623157e308", "5e-324", "0.1", "2e0",
                         "%d.%d" % (r.randint(0, 999), r.randint(0, 999)),
                         "%de%d" % (r.randint(1, 99), r.randint(-300, 300))])

    def datetime_(self):
        r = self.r
        d = "%04d-%02d-%02d" % (r.randint(1, 9999), r.randint(1, 12), r.randint(1, 28))
        t = "%02d:%02d:%02d" % (r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
        if r.random() < 0.3:
            t += "." + "".join(r.choice("0123456789") for _ in range(r.randint(1, 9)))
        off = r.choice(["Z", "z", "+05:30", "-08:00", "+00:00"])
        return r.choice([d + "T" + t + off, d + " " + t + off, d + "t" + t, d + "T" + t,
                         d, t])

    def value(self, depth=0):
        r = self.r
        c = r.random()
        if depth < 3 and c < 0.12:
            items = [self.value(depth + 1) for _ in range(r.randint(0, 4))]
            sep = r.choice([", ", ",\n  ", " ,", ",  # note\n"])
            end = r.choice(["", ",", "\n", ",\n"] if items else ["", "\n"])
            return "[" + r.choice(["", "\n"]) + sep.join(items) + end + "]"
        if depth < 3 and c < 0.2:
            used, parts = set(), []
            for _ in range(r.randint(0, 3)):
                k, text = self.key()
                if k in used:
                    continue
                used.add(k)
                parts.append("%s = %s" % (text, self.value(depth + 1)))
            return "{" + r.choice(["", " "]) + ", ".join(parts) + r.choice(["", " "]) + "}"
        return r.choice([self.string, self.integer, self.float_, self.datetime_,
                         lambda: r.choice(["true", "false"])])()

    def pairs(self, used, n):
        out = []
        for _ in range(n):
            k, text = self.key()
            if k in used:
                continue
            used.add(k)
            out.append("%s%s=%s%s%s" % (text, self.r.choice([" ", "", "\t"]),
                                        self.r.choice([" ", ""]), self.value(),
                                        self.r.choice(["", "  # c", " #"])))
        return out

    def document(self):
        r = self.r
        lines = [r.choice(["", "# caucus\n"])]
        top = set()
        lines += self.pairs(top, r.randint(0, 4))
        for _ in range(r.randint(0, 4)):
            name = "t" + self.bare()
            if name in top:
                continue
            top.add(name)
            if r.random() < 0.3:
                for _ in range(r.randint(1, 3)):
                    lines.append("\n[[%s]]" % name)
                    lines += self.pairs(set(), r.randint(0, 3))
            else:
                lines.append("\n[ %s ]" % name if r.random() < 0.2 else "\n[%s]" % name)
                inner = set()
                lines += self.pairs(inner, r.randint(0, 4))
                sub = "s" + self.bare()
                if sub not in inner and r.random() < 0.4:
                    lines.append("[%s.%s]" % (name, sub))
                    lines += self.pairs(set(), r.randint(0, 3))
        return ("\n".join(lines) + r.choice(["", "\n", "\r\n"])).encode("utf-8")


def mutate(rnd, data):
    b = bytearray(data)
    for _ in range(rnd.randint(1, 3)):
        op = rnd.random()
        pos = rnd.randint(0, len(b))
        ch = rnd.choice(b'"\'[]{},.=#\\\n\r\t _-+:0eExzT\x00\x7f\xc3\xff')
        if op < 0.4 and pos < len(b):
            del b[pos]
        elif op < 0.8:
            b.insert(pos, ch)
        elif pos < len(b):
            b[pos] = ch
    return bytes(b)


# --- the comparison ---------------------------------------------------------

def walk(v):
    if isinstance(v, dict):
        for x in v.values():
            yield from walk(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x)
    else:
        yield v


def beyond_range(why, value):
    """TOML 1.0 wants an error for an integer that does not fit 64 bits,
    which tomli (Python's unbounded int) accepts; and the decoder refuses a
    float literal too large for binary64, which tomli turns into inf."""
    vals = list(walk(value))
    if "integer out of range (64 bits)" in why:
        return any(type(x) is int and not -2 ** 63 <= x < 2 ** 63 for x in vals)
    if "float out of range" in why:
        return any(type(x) is float and math.isinf(x) for x in vals)
    return False


def compare(decoder, name, data, stats):
    d_ok, d_val = decoder_run(decoder, data)
    t_ok, t_val = tomli_run(data)
    if d_ok == "leap" and not t_ok:
        stats["leap"] += 1
        return None
    if d_ok is False and t_ok and beyond_range(d_val, t_val):
        stats["range"] += 1
        return None
    stats["accepted" if t_ok else "rejected"] += 1
    if d_ok is None:
        return "%s: the decoder failed: %s" % (name, d_val)
    if d_ok != t_ok:
        return "%s: tomli %s, the decoder %s (%s)" % (
            name, "accepts" if t_ok else "rejects", "accepts" if d_ok else "rejects",
            (t_val if not t_ok else d_val) if isinstance(t_val if not t_ok else d_val, str)
            else "")
    if d_ok:
        diff = same(t_val, d_val)
        if diff:
            return "%s: decoded values differ at %s (tomli vs decoder)" % (name, diff)
    return None


def main():
    args = sys.argv[1:]
    count, seed = 500, 20181029
    if "--count" in args:
        i = args.index("--count")
        count = int(args[i + 1])
        del args[i:i + 2]
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    if not args:
        sys.exit(__doc__)
    decoder, paths = args[0], args[1:]
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p))
        else:
            files.append(p)
    stats = {"accepted": 0, "rejected": 0, "leap": 0, "range": 0}
    problems = []
    for f in files:
        with open(f, "rb") as fh:
            d = compare(decoder, f, fh.read(), stats)
        if d:
            problems.append(d)
    rnd = random.Random(seed)
    gen = Gen(rnd)
    bad_valid = 0
    for i in range(count):
        doc = gen.document()
        ok, why = tomli_run(doc)
        if not ok:          # the generator must make valid TOML
            bad_valid += 1
            problems.append("generated #%d is not valid TOML for tomli (%s):\n%s"
                            % (i, why, doc.decode("utf-8", "replace")))
            continue
        d = compare(decoder, "generated #%d" % i, doc, stats)
        if d:
            problems.append(d + "\n" + doc.decode("utf-8", "replace"))
        for j in range(3):
            m = mutate(rnd, doc)
            d = compare(decoder, "mutant #%d.%d" % (i, j), m, stats)
            if d:
                problems.append(d + "\n" + repr(m))
    for p in problems[:20]:
        print("toml-diff: " + p)
    print("toml-diff: %d corpus files, %d generated documents and %d mutants (seed %d): "
          "%d accepted, %d rejected by both, %d with a leap second tomli cannot hold, "
          "%d with a number beyond 64 bits that only tomli accepts; %d disagreement%s"
          % (len(files), count, 3 * count, seed, stats["accepted"], stats["rejected"],
             stats["leap"], stats["range"], len(problems), "" if len(problems) == 1 else "s"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
