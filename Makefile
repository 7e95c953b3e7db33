# caucus - build, run and test.
#   make          build ./caucus
#   make run      run the bot (installs what it needs first)
#   make check    install what the tests need, build, run every test
#   make ics-test the iCalendar export read by python3-icalendar
#   make phone-test  answers rendered at phone width in headless chromium
#   make fuzz     run each libFuzzer target for FUZZ_SECONDS (60)
#   make valgrind run the unit tests under valgrind
#   make integration  the daemon against a real Synapse (tests/integration; root)
#   make install  PREFIX (/usr/local) and DESTDIR; make uninstall removes it
#   make deb      the Debian package, in ../ (dpkg-buildpackage)
#   make bench    ingest benchmark: caucus beside a matrix-nio bot and the sqlite limit

CC       ?= gcc
PKGS     := libcurl libcjson sqlite3 olm
PKGS     += libmicrohttpd
PKGS     += libsystemd
PKGS     += libcrypto
PKGS     += libical
WERROR   ?= -Werror
WARN     := -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wvla -Wwrite-strings -Wpointer-arith -Wcast-qual -Wundef \
            -Wno-format-nonliteral
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(WARN) -Iinclude -MMD -MP \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CPPFLAGS) $(CFLAGS)
LIBS     := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

SRC      := $(wildcard bot/*.c)
LIBSRC   := $(filter-out bot/main.c,$(SRC))
OBJ      := $(LIBSRC:bot/%.c=build/%.o)
ASAN_OBJ := $(LIBSRC:bot/%.c=build/asan/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT     := $(UNIT_SRC:tests/unit/%.c=build/unit/%)
UNIT_ASAN:= $(UNIT_SRC:tests/unit/%.c=build/asan/unit/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ     := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_SECONDS ?= 60
TOML_TEST ?= ../shared/toml-test

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/caucus
UNITDIR  ?= $(PREFIX)/lib/systemd/system
INSTALL  ?= install

.PHONY: all run check deps test unit unit-asan toml-test console-test fuzz fuzz-build valgrind clean \
        integration bench bench-check
.PHONY: install uninstall install-test man-test service-test toml-diff deb deb-test

all: caucus tests/toml-decoder

caucus: build/main.o build/libcaucus.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

build/libcaucus.a: $(OBJ)
	rm -f $@ && ar rcs $@ $^

build/asan/libcaucus.a: $(ASAN_OBJ)
	rm -f $@ && ar rcs $@ $^

build/%.o: bot/%.c | build
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/asan/%.o: bot/%.c | build/asan
	$(CC) $(ALL_CFLAGS) -O1 $(SAN) -c -o $@ $<

tests/toml-decoder: tests/toml-decoder.c build/libcaucus.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

build/unit/%: tests/unit/%.c tests/unit/testutil.h build/libcaucus.a | build/unit
	$(CC) $(ALL_CFLAGS) -Itests/unit -Ibot -o $@ $< build/libcaucus.a $(LIBS) -lcmocka

build/asan/unit/%: tests/unit/%.c tests/unit/testutil.h build/asan/libcaucus.a | build/asan/unit
	$(CC) $(ALL_CFLAGS) -O1 $(SAN) -Itests/unit -Ibot -o $@ $< build/asan/libcaucus.a $(LIBS) -lcmocka

build/fuzz/%: tests/fuzz/%.c $(LIBSRC) | build/fuzz
	clang -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Iinclude -Ibot -g -O1 \
	  -fsanitize=fuzzer,address,undefined $(shell pkg-config --cflags $(PKGS)) \
	  -o $@ $< $(LIBSRC) $(LIBS)

build build/asan build/unit build/asan/unit build/fuzz build/bench:
	mkdir -p $@

# Installs missing Debian packages (root), or says what to run (non-root).
deps:
	@sh tests/deps.sh

run: deps all
	@sh config/run.sh

unit: $(UNIT)
	@set -e; for t in $(UNIT); do echo "== $$t"; $$t; done

unit-asan: $(UNIT_ASAN)
	@set -e; for t in $(UNIT_ASAN); do echo "== $$t (asan+ubsan)"; \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $$t; done

toml-test: tests/toml-decoder
	@if [ -f $(TOML_TEST)/run ]; then python3 $(TOML_TEST)/run tests/toml-decoder; \
	else echo "toml-test: skipped, $(TOML_TEST) is not here"; fi

# The decoder against Debian's python3-tomli: the fuzz corpus and a generated set.
toml-diff: tests/toml-decoder
	/usr/bin/python3 tests/toml-diff/run.py tests/toml-decoder tests/fuzz/corpus/fuzz_toml

man-test:
	mandoc -Tlint -Wwarning man/caucus.1 man/caucus.toml.5
	/usr/bin/python3 tests/man/check.py bot/config.c man/caucus.toml.5 bot.example.toml

service-test: caucus
	@sh tests/service/run.sh ./caucus

install-test: caucus
	@sh tests/install/run.sh

# The unit runs $(BINDIR)/caucus.
install: caucus
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 0755 caucus $(DESTDIR)$(BINDIR)/caucus
	$(INSTALL) -m 0644 man/caucus.1 $(DESTDIR)$(MANDIR)/man1/caucus.1
	$(INSTALL) -m 0644 man/caucus.toml.5 $(DESTDIR)$(MANDIR)/man5/caucus.toml.5
	$(INSTALL) -m 0644 bot.example.toml $(DESTDIR)$(DOCDIR)/bot.example.toml
	sed 's|/usr/bin/caucus|$(BINDIR)/caucus|' config/caucus.service > $(DESTDIR)$(UNITDIR)/caucus.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/caucus.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/caucus $(DESTDIR)$(MANDIR)/man1/caucus.1 \
	  $(DESTDIR)$(MANDIR)/man5/caucus.toml.5 $(DESTDIR)$(DOCDIR)/bot.example.toml \
	  $(DESTDIR)$(UNITDIR)/caucus.service
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

# dpkg-buildpackage writes into the parent folder, so it runs on a copy of
# the sources in build/deb/caucus: the .deb lands in build/deb/.  deb-test
# installs it in a Debian 12 chroot (root; the base is cached in
# /var/cache/caucus-debtest).  make check has run the unit tests: nocheck.
DEB_SRC := Makefile README.md bot.example.toml bot include config man debian tests
deb:
	rm -rf build/deb && mkdir -p build/deb/caucus
	tar -cf - --exclude='debian/caucus' --exclude='debian/.debhelper' $(DEB_SRC) | \
	  tar -xf - -C build/deb/caucus
	cd build/deb/caucus && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -b -us -uc
	@ls -l build/deb/*.deb

deb-test: deb
	@sh tests/deb/run.sh

console-test: caucus
	@sh tests/console/run.sh

# Answers rendered by headless chromium at 360 px: nothing may overflow
# (screenshots in build/phone/).
.PHONY: phone-test
phone-test: build/phone/answers
	@sh tests/phone/run.sh build/phone

build/phone/answers: tests/phone/answers.c tests/unit/testengine.h build/libcaucus.a
	@mkdir -p build/phone
	$(CC) $(ALL_CFLAGS) -Itests/unit -Ibot -o $@ $< build/libcaucus.a $(LIBS) -lcmocka

# caucus export --format ics read back by Debian's python3-icalendar.
.PHONY: ics-test
ics-test: caucus
	/usr/bin/python3 tests/ical/check_export.py

test: all unit unit-asan toml-test toml-diff man-test service-test install-test console-test \
      phone-test ics-test deb-test bench-check integration

# Debian's python3, which has python3-matrix-nio and python3-pytest.
# The Synapse chroot is built (once, cached) before the first test: a test's
# homeserver start has a timeout that a first build would not fit in.
integration: caucus
	@sh tests/homeserver/build-chroot.sh >/dev/null
	/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration $(PYTEST_ARGS)

check: deps
	@$(MAKE) --no-print-directory test

build/bench/%: bench/%.c build/libcaucus.a | build/bench
	$(CC) $(ALL_CFLAGS) -Ibot -o $@ $^ $(LIBS)

# The figures (minutes; not part of check).  BENCH_ARGS="--sizes 300x300 --runs 5"
bench: caucus build/bench/raw_insert build/bench/engine_lat
	/usr/bin/python3 bench/run.py $(BENCH_ARGS)

# One tiny backlog through the benchmark's own path, so that it cannot rot.
bench-check: caucus build/bench/raw_insert build/bench/engine_lat
	/usr/bin/python3 bench/run.py --check

fuzz-build: $(FUZZ)

# New inputs land in build/fuzz/NAME.work; the committed seeds stay small.
fuzz: $(FUZZ)
	@set -e; for f in $(FUZZ); do n=$$(basename $$f); mkdir -p build/fuzz/$$n.work; \
	  echo "== $$n for $(FUZZ_SECONDS)s"; ml=4096; [ $$n != fuzz_sync ] || ml=16384; \
	  if ! $$f -max_total_time=$(FUZZ_SECONDS) -max_len=$$ml -print_final_stats=1 \
	      build/fuzz/$$n.work tests/fuzz/corpus/$$n > build/fuzz/$$n.log 2>&1; then \
	    tail -40 build/fuzz/$$n.log; echo "$$n: crashed"; exit 1; fi; \
	  grep -E '^stat::number_of_executed_units|^Done' build/fuzz/$$n.log; done

valgrind: $(UNIT)
	@set -e; for t in $(UNIT); do valgrind -q --error-exitcode=1 --leak-check=full $$t; done

clean:
	rm -rf build caucus tests/toml-decoder

-include $(wildcard build/*.d build/asan/*.d build/unit/*.d build/asan/unit/*.d build/phone/*.d)
