/* SPDX-License-Identifier: GPL-2.0-or-later */
/* unit.h - Minimal unit test harness: one binary per module
 *
 * Each test is a function registered with UNIT_TEST(); CHECK() records a
 * failure with file, line and expression and goes on. The binary prints one
 * "PASS name" or "FAIL name" line per test, which test/run counts, and exits
 * non-zero if any failed.
 */

#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef UNIT_MAX_TESTS
#define UNIT_MAX_TESTS	256	/* tests per binary; more fail the binary */
#endif

struct unit_test {
	const char *name;
	void (*fn)(void);
};

static struct unit_test unit_tests[UNIT_MAX_TESTS];
static int unit_count;
static int unit_registered;	/* attempts, may exceed UNIT_MAX_TESTS */
static int unit_failed_now;

#define UNIT_TEST(name_)						\
	static void name_(void);					\
	__attribute__((constructor)) static void unit_reg_##name_(void)	\
	{								\
		unit_registered++;					\
		if (unit_count < UNIT_MAX_TESTS)			\
			unit_tests[unit_count++] =			\
				(struct unit_test){ #name_, name_ };	\
	}								\
	static void name_(void)

#define CHECK(expr)							\
	do {								\
		if (!(expr)) {						\
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",	\
				__FILE__, __LINE__, #expr);		\
			unit_failed_now = 1;				\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long unit_a_ = (long long)(a);			\
		long long unit_b_ = (long long)(b);			\
		if (unit_a_ != unit_b_) {				\
			fprintf(stderr, "  %s:%d: %s == %s: %lld != %lld\n", \
				__FILE__, __LINE__, #a, #b, unit_a_, unit_b_); \
			unit_failed_now = 1;				\
		}							\
	}  while (0)

int main(void)
{
	int i, failed = 0;

	for (i = 0; i < unit_count; i++) {
		unit_failed_now = 0;
		unit_tests[i].fn();
		printf("%s %s\n", unit_failed_now ? "FAIL" : "PASS",
		       unit_tests[i].name);
		failed += unit_failed_now;
	}
	if (unit_registered > unit_count) {
		/* Tests past the table's end would silently never run */
		printf("FAIL too-many-tests-%d-registered-limit-%d\n",
		       unit_registered, UNIT_MAX_TESTS);
		failed++;
	}
	if (!unit_count) {
		printf("FAIL no-tests-registered\n");
		return 1;
	}
	return failed ? 1 : 0;
}

#endif /* UNIT_H */
