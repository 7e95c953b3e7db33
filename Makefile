# caucus - build, run and test.
#   make          build ./caucus
#   make run      run the bot (installs what it needs first)
#   make check    install what the tests need, build, run every test
#   make ics-test the iCalendar export read by python3-icalendar
#   make phone-test  answers rendered at phone width in headless chromium
#   make fuzz     run each libFuzzer target for FUZZ_SECONDS (60)
#   make valgrind run the unit tests under valgrind
#   make integration  the daemon against a real Synapse (tests/integration; root)

CC       ?= gcc
PKGS     := libcurl libcjson sqlite3 olm
PKGS     += libical
WERROR   ?= -Werror
WARN     := -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wvla -Wwrite-strings -Wpointer-arith -Wcast-qual -Wundef \
            -Wno-format-nonliteral
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(WARN) -Iinclude -MMD -MP \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CFLAGS)
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

.PHONY: all run check deps test unit unit-asan toml-test console-test fuzz fuzz-build valgrind clean \
        integration

all: caucus tests/toml-decoder

caucus: build/main.o build/libcaucus.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

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

build build/asan build/unit build/asan/unit build/fuzz:
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
	python3 $(TOML_TEST)/run tests/toml-decoder

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

test: all unit unit-asan toml-test console-test phone-test ics-test integration

# Debian's python3, which has python3-matrix-nio and python3-pytest.
integration: caucus
	/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration $(PYTEST_ARGS)

check: deps
	@$(MAKE) --no-print-directory test

fuzz-build: $(FUZZ)

# New inputs land in build/fuzz/NAME.work; the committed seeds stay small.
fuzz: $(FUZZ)
	@set -e; for f in $(FUZZ); do n=$$(basename $$f); mkdir -p build/fuzz/$$n.work; \
	  echo "== $$n for $(FUZZ_SECONDS)s"; \
	  if ! $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
	      build/fuzz/$$n.work tests/fuzz/corpus/$$n > build/fuzz/$$n.log 2>&1; then \
	    tail -40 build/fuzz/$$n.log; echo "$$n: crashed"; exit 1; fi; \
	  grep -E '^stat::number_of_executed_units|^Done' build/fuzz/$$n.log; done

valgrind: $(UNIT)
	@set -e; for t in $(UNIT); do valgrind -q --error-exitcode=1 --leak-check=full $$t; done

clean:
	rm -rf build caucus tests/toml-decoder

-include $(wildcard build/*.d build/asan/*.d build/unit/*.d build/asan/unit/*.d build/phone/*.d)
