# SPDX-License-Identifier: GPL-2.0-or-later
# Makefile - passt: build, test, install

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=

CC	?= gcc
CLANG	?= clang

WARN	:= -Wall -Wextra -Werror -pedantic -Wshadow -Wpointer-arith \
	   -Wcast-qual -Wcast-align -Wwrite-strings -Wundef \
	   -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	   -Wimplicit-fallthrough
BASE	:= -std=c11 -D_GNU_SOURCE -O2 -g $(WARN)
HARDEN	:= -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	   -fstack-clash-protection -fPIE
HARDLD	:= -pie -Wl,-z,relro,-z,now,-z,noexecstack
SANFL	:= -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer -DPASST_SANITIZERS
LIBS	:= -lcap-ng

CFLAGS	?=
LDFLAGS	?=

# Output directory: O=build-foo keeps a second tree's objects apart
O	?= build

SRCS	:= $(sort $(wildcard *.c))
HDRS	:= $(wildcard *.h)
LIBSRCS	:= $(filter-out passt.c,$(SRCS))
OBJS	:= $(SRCS:%.c=$(O)/rel/%.o)
LIBOBJS	:= $(LIBSRCS:%.c=$(O)/rel/%.o)
AOBJS	:= $(SRCS:%.c=$(O)/asan/%.o)
ALIBOBJS := $(LIBSRCS:%.c=$(O)/asan/%.o)

UNIT_SRCS := $(sort $(wildcard test/unit/*.c))
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(O)/unit/%)

TOOLS	:= $(O)/tools/tapbridge

.PHONY: all asan check unit e2e bench install uninstall clean \
	static-checks cppcheck clang-tidy tools fuzz

all: passt

passt: $(O)/passt
	cp $< $@

$(O)/passt: $(OBJS)
	$(CC) $(BASE) $(HARDEN) $(HARDLD) $(LDFLAGS) -o $@ $^ $(LIBS)

$(O)/rel/%.o: %.c $(HDRS) | $(O)/rel
	$(CC) $(BASE) $(HARDEN) $(CFLAGS) -c -o $@ $<

# Sanitizer build: no fortify (it hides overflows from ASan)
asan: $(O)/passt.asan

$(O)/passt.asan: $(AOBJS)
	$(CC) $(BASE) $(SANFL) -fPIE -pie $(LDFLAGS) -o $@ $^ $(LIBS)

$(O)/asan/%.o: %.c $(HDRS) | $(O)/asan
	$(CC) $(BASE) $(SANFL) -fPIE $(CFLAGS) -c -o $@ $<

# Unit tests: one binary per test/unit/*.c, linked with every module but
# passt.c, always under ASan/UBSan
$(O)/unit/%: test/unit/%.c test/unit/unit.h $(ALIBOBJS) | $(O)/unit
	$(CC) $(BASE) $(SANFL) -I. -Wno-missing-prototypes -o $@ $< \
		$(ALIBOBJS) $(LIBS)

unit: $(UNIT_BINS)

tools: $(TOOLS)

$(O)/tools/%: test/%.c | $(O)/tools
	$(CC) $(BASE) $(HARDEN) $(HARDLD) -I. -o $@ $<

$(O)/rel $(O)/asan $(O)/unit $(O)/tools:
	mkdir -p $@

TESTENV	= O=$(O) PASST=$(O)/passt PASST_ASAN=$(O)/passt.asan \
	  TAPBRIDGE=$(O)/tools/tapbridge UNIT_DIR=$(O)/unit

check: $(O)/passt $(O)/passt.asan unit tools
	$(TESTENV) test/run

bench: $(O)/passt tools
	$(TESTENV) test/perf/run

fuzz:
	test/fuzz/run

install: passt
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 passt $(DESTDIR)$(BINDIR)/passt
	install -m 644 doc/passt.1 $(DESTDIR)$(MANDIR)/man1/passt.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/passt $(DESTDIR)$(MANDIR)/man1/passt.1

static-checks: cppcheck clang-tidy

# Suppressions, each with its reason:
# - missingIncludeSystem: system headers are not given to cppcheck
# - unusedFunction: functions used only by tests look unused to cppcheck
# - unusedStructMember: on-wire and on-disk layouts (pcap headers) are
#   written whole, so their members are never read one by one
cppcheck:
	cppcheck --std=c11 --enable=all --inconclusive --error-exitcode=1 \
		--quiet -D_GNU_SOURCE -I. \
		--suppress=missingIncludeSystem \
		--suppress=unusedFunction \
		--suppress=unusedStructMember --inline-suppr \
		$(SRCS) test/tapbridge.c

clang-tidy:
	clang-tidy --quiet $(SRCS) test/tapbridge.c -- $(BASE) -I.

clean:
	rm -rf build passt passt.asan
