# revops: see README.md.  `make`, `make check`, `make demo`, `make bench`,
# `make check-stress` (kills, concurrency, full disks, closed pipes),
# `make check-valgrind` (the end-to-end cases under memcheck),
# `make fuzz FUZZ_SECONDS=60` (the libFuzzer harnesses of tests/fuzz that
# long, all at once, built with clang in build/fuzz; fails on a crash),
# `make install PREFIX=/usr/local DESTDIR=`; SANITIZE=1 builds everything
# under AddressSanitizer and UndefinedBehaviorSanitizer in build/san.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions
EXAMPLESDIR = $(PREFIX)/share/revops/examples

CC ?= cc
CSTD = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN = -Wall -Wextra -Werror
OPT ?= -O2 -g
ifeq ($(SANITIZE),1)
O = build/san
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
O = build
SAN =
endif

# libcsv has no pkg-config file; check's flags are asked for when linking,
# after tests/deps.sh may have installed it.
DEPS_LIBS = -lsqlite3 -lcsv -lhpdf -lxlsxwriter -ldl
CHECK_LIBS = `pkg-config --libs check`

# libpq-fe.h is in a directory of its own (libpq-dev).
PQ_CFLAGS = -isystem /usr/include/postgresql
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) $(SAN) -pthread -iquote lib \
    $(PQ_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SAN) -pthread $(LDFLAGS)

PROGS = revops-import revops-pipeline revops-quote revops-invoice revops-metrics
LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:lib/%.c=$(O)/lib/%.o) $(O)/gen/schema.o \
    $(O)/gen/mappings.o
MAPPINGS = $(sort $(wildcard lib/mappings/*.tsv))
LIB = $(O)/lib/librevops.a
BINS = $(PROGS:%=$(O)/bin/%)
UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_OBJ = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%.o)

all: $(O)/.deps $(O)/.layering $(BINS)

# The storage interface is the only code that talks to SQLite: its name in
# any other file of lib/ or bin/ fails the build.
$(O)/.layering: lib/*.c lib/*.h bin/*.c
	@if grep -nE 'sqlite3|SQLITE_' $(filter-out lib/db_sqlite.c,$^); then \
	    echo "only lib/db_sqlite.c may call SQLite (lib/db.h)" >&2; \
	    exit 1; fi
	@mkdir -p $(@D) && touch $@

# A missing build dependency is installed when we are root, else named.
APT_PKGS = build-essential pkg-config libsqlite3-dev libpq-dev libcsv-dev check \
    sqlite3 libhpdf-dev libxlsxwriter-dev fonts-dejavu-core poppler-utils unzip
$(O)/.deps:
	@sh tests/deps.sh $(APT_PKGS)
	@mkdir -p $(O) && touch $@

$(O)/lib/%.o: lib/%.c lib/*.h $(O)/.deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

# The schema is one SQL file, embedded as a C string.
$(O)/gen/schema.c: lib/schema.sql tests/embed.awk
	@mkdir -p $(@D)
	awk -v name=db_schema_sql -f tests/embed.awk lib/schema.sql > $@

$(O)/gen/schema.o: $(O)/gen/schema.c
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

# The mappings of other systems (lib/mapping.h), one file a system, each
# embedded as a C string, in a table by the system's name.
$(O)/gen/mappings.c: $(MAPPINGS) tests/embed.awk
	@mkdir -p $(@D)
	{ echo '#include "mapping.h"'; \
	for f in $(MAPPINGS); do s=$$(basename $$f .tsv); \
	    awk -v name=mapping_text_$$s -f tests/embed.awk $$f; done; \
	echo 'const struct mapping_text mapping_texts[] = {'; \
	for f in $(MAPPINGS); do s=$$(basename $$f .tsv); \
	    echo "	{ \"$$s\", mapping_text_$$s },"; done; \
	echo '};'; \
	echo 'const size_t mapping_ntexts = sizeof(mapping_texts) /'; \
	echo '    sizeof(mapping_texts[0]);'; } > $@

$(O)/gen/mappings.o: $(O)/gen/mappings.c lib/mapping.h
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(O)/bin/%: bin/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB) $(DEPS_LIBS) $(LDFLAGS_ALL)

$(O)/tests/%.o: tests/unit/%.c lib/*.h tests/unit/*.h $(O)/.deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -iquote tests/unit -c -o $@ $<

$(O)/tests/unit: $(UNIT_OBJ) $(LIB)
	$(CC) -o $@ $(UNIT_OBJ) $(LIB) $(CHECK_LIBS) $(DEPS_LIBS) $(LDFLAGS_ALL)

check: all $(O)/tests/unit $(O)/bench/gen
	CK_VERBOSITY=$${CK_VERBOSITY:-minimal} $(O)/tests/unit
	sh tests/e2e/run.sh $(O)/bin
	sh tests/bad/run.sh $(O)/bin
	$(if $(SAN),PG_CORE=1) sh tests/pg.sh $(O)/bin $(O)/bench/gen
	sh tests/damaged.sh $(O)/bin $(O)/bench/gen
	sh tests/docs.sh $(O)/bin
	sh tests/readme.sh $(O)/bin
	sh tests/man.sh $(O)/bin
	sh tests/excel.sh $(O)/bin
	sh tests/report.sh $(O)/bin

demo: all
	sh examples/demo.sh $(O)/bin build/demo.db

$(O)/bench/gen: tests/bench/gen.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB) $(DEPS_LIBS) $(LDFLAGS_ALL)

bench: all $(O)/bench/gen
	sh tests/bench/run.sh $(O)/bin $(O)/bench/gen

# Every job against an earlier build, interleaved: make bench-ab OLD=DIR
# (the bin/ of a build of the commit before a change).
bench-ab: all $(O)/bench/gen
	@test -n "$(OLD)" || { echo "usage: make bench-ab OLD=BINDIR" >&2; exit 2; }
	sh tests/bench/ab.sh $(OLD) $(O)/bin $(O)/bench/gen

# The end-to-end cases under valgrind's memcheck.
check-valgrind: all
	sh tests/valgrind.sh $(O)/bin

# Kills, concurrency, full disks and closed pipes (tests/stress/run.sh).
check-stress: all $(O)/bench/gen
	sh tests/stress/run.sh $(O)/bin $(O)/bench/gen

# The fuzzers: clang's libFuzzer with ASan and UBSan, over the library
# built the same way in build/fuzz; they run FUZZ_SECONDS, all at once
# (FUZZERS=csv: only that one).
FUZZ_SECONDS ?= 60
FUZZ_CC = clang
FO = build/fuzz
FUZZ_SAN = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -fno-omit-frame-pointer
# Blocks of 64 bytes put the CSV reader's block ends inside its inputs.
FUZZ_CFLAGS = $(CSTD) $(WARN) -O1 -g $(FUZZ_SAN) -DCSV_BLOCK_SIZE=64 \
    -pthread -iquote lib $(PQ_CFLAGS)
FUZZERS = csv money date
FUZZ_LIB_OBJ = $(LIB_SRC:lib/%.c=$(FO)/lib/%.o) $(FO)/gen/schema.o \
    $(FO)/gen/mappings.o

$(FO)/.deps:
	@sh tests/deps.sh $(APT_PKGS) clang
	@mkdir -p $(FO) && touch $@

$(FO)/lib/%.o: lib/%.c lib/*.h $(FO)/.deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FO)/gen/schema.o: $(O)/gen/schema.c $(FO)/.deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FO)/gen/mappings.o: $(O)/gen/mappings.c $(FO)/.deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FO)/librevops.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $(FUZZ_LIB_OBJ)

$(FO)/%_fuzz: tests/fuzz/%_fuzz.c $(FO)/librevops.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FO)/librevops.a $(DEPS_LIBS)

fuzz: $(FUZZERS:%=$(FO)/%_fuzz)
	sh tests/fuzz/run.sh $(FO) $(FUZZ_SECONDS) $(FUZZERS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/*.7 $(DESTDIR)$(MANDIR)/man7
	install -m 644 completions/revops.bash $(DESTDIR)$(BASHCOMPDIR)/revops
	for p in $(PROGS); do ln -sf revops $(DESTDIR)$(BASHCOMPDIR)/$$p; done
	install -m 644 completions/_revops $(DESTDIR)$(ZSHCOMPDIR)/_revops
	install -d $(DESTDIR)$(EXAMPLESDIR)/data \
	    $(DESTDIR)$(EXAMPLESDIR)/exports/salesforce/revops \
	    $(DESTDIR)$(EXAMPLESDIR)/exports/stripe/revops
	install -m 644 examples/*.sh examples/crontab $(DESTDIR)$(EXAMPLESDIR)
	install -m 644 examples/data/*.csv $(DESTDIR)$(EXAMPLESDIR)/data
	install -m 644 examples/exports/salesforce/*.csv \
	    $(DESTDIR)$(EXAMPLESDIR)/exports/salesforce
	install -m 644 examples/exports/salesforce/revops/*.csv \
	    $(DESTDIR)$(EXAMPLESDIR)/exports/salesforce/revops
	install -m 644 examples/exports/stripe/*.csv \
	    $(DESTDIR)$(EXAMPLESDIR)/exports/stripe
	install -m 644 examples/exports/stripe/revops/*.csv \
	    $(DESTDIR)$(EXAMPLESDIR)/exports/stripe/revops

clean:
	rm -rf build

.PHONY: all check check-stress check-valgrind demo bench bench-ab fuzz install \
	clean
.SECONDARY:
