/* The arithmetic of revops-pipeline, on cases worked out by hand. */
#include "date.h"
#include "pipeline.h"
#include "suites.h"

#define NO DATE_NONE

/* Funnel steps 0 prospecting, 1 qualification, 2 proposal, 3 won. */
enum { PROS, QUAL, PROP, WON, NSTEPS };

/* Full history: every step entered on its row's day; days in a step run
 * to the next change; the last step has no days. */
START_TEST(path_full_history)
{
	const struct funnel_event h[] = {
		{ PROS, 100 }, { QUAL, 110 }, { PROP, 125 }, { WON, 140 } };
	struct funnel_path p;

	pipeline_funnel_path(NSTEPS, h, 4, WON, 100, &p);
	ck_assert_int_eq(p.reached, WON);
	ck_assert_int_eq(p.entered[PROS], 100);
	ck_assert_int_eq(p.entered[QUAL], 110);
	ck_assert_int_eq(p.entered[PROP], 125);
	ck_assert_int_eq(p.entered[WON], 140);
	ck_assert_int_eq(p.days[PROS], 10);
	ck_assert_int_eq(p.days[QUAL], 15);
	ck_assert_int_eq(p.days[PROP], 15);
	ck_assert_int_eq(p.days[WON], -1);
	for (int k = 0; k < NSTEPS; k++)
		ck_assert_int_eq(p.implied[k], 0);
}
END_TEST

/* Imported at proposal with no history: the first two steps are implied,
 * entered on the day it was created; proposal too (no row for it). */
START_TEST(path_imported_without_history)
{
	struct funnel_path p;

	pipeline_funnel_path(NSTEPS, NULL, 0, PROP, 200, &p);
	ck_assert_int_eq(p.reached, PROP);
	ck_assert_int_eq(p.entered[PROS], 200);
	ck_assert_int_eq(p.entered[QUAL], 200);
	ck_assert_int_eq(p.entered[PROP], 200);
	ck_assert_int_eq(p.entered[WON], NO);
	ck_assert_int_eq(p.implied[PROS] + p.implied[QUAL] + p.implied[PROP],
	    3);
	ck_assert_int_eq(p.days[PROS], -1);
}
END_TEST

/* History that starts late: the skipped steps are entered on the day of
 * the first later row, and implied. */
START_TEST(path_history_starts_late)
{
	const struct funnel_event h[] = { { PROP, 300 }, { WON, 320 } };
	struct funnel_path p;

	pipeline_funnel_path(NSTEPS, h, 2, WON, 290, &p);
	ck_assert_int_eq(p.entered[PROS], 300);
	ck_assert_int_eq(p.implied[PROS], 1);
	ck_assert_int_eq(p.entered[QUAL], 300);
	ck_assert_int_eq(p.entered[PROP], 300);
	ck_assert_int_eq(p.implied[PROP], 0);
	ck_assert_int_eq(p.days[PROP], 20);
}
END_TEST

/* Lost after qualification: reached qualification, not proposal; the
 * move to lost (-1) ends its time in qualification. */
START_TEST(path_lost)
{
	const struct funnel_event h[] = {
		{ PROS, 10 }, { QUAL, 14 }, { -1, 30 } };
	struct funnel_path p;

	pipeline_funnel_path(NSTEPS, h, 3, -1, 10, &p);
	ck_assert_int_eq(p.reached, QUAL);
	ck_assert_int_eq(p.days[QUAL], 16);
	ck_assert_int_eq(p.entered[PROP], NO);
	pipeline_funnel_path(NSTEPS, NULL, 0, -1, 50, &p);
	ck_assert_int_eq(p.reached, PROS);
	ck_assert_int_eq(p.entered[PROS], 50);
	ck_assert_int_eq(p.implied[PROS], 1);
}
END_TEST

START_TEST(median)
{
	int32_t odd[] = { 9, 2, 5 };
	int32_t even[] = { 4, 1, 3, 10 };
	int32_t one[] = { 7 };

	ck_assert_int_eq(pipeline_median_tenths(odd, 3), 50);	/* 5.0 */
	ck_assert_int_eq(pipeline_median_tenths(even, 4), 35);	/* 3.5 */
	ck_assert_int_eq(pipeline_median_tenths(one, 1), 70);
}
END_TEST

/* 18 open x 42,000.00 average deal x 0.24 win rate / 78 days
 * = 2,326.15 a day: 6 won for 252,000.00 in all, 19 lost, 468 days. */
START_TEST(velocity)
{
	int64_t v;

	ck_assert_int_eq(pipeline_velocity_per_day(18, 25200000, 6, 19, 468,
	    &v), 0);
	ck_assert_int_eq(v, 232615);
	/* 3 open x 1,000.00 x 1/3 / 10 days = 100.00 */
	ck_assert_int_eq(pipeline_velocity_per_day(3, 100000, 1, 2, 10, &v),
	    0);
	ck_assert_int_eq(v, 10000);
	/* nothing won: undefined, not zero */
	ck_assert_int_eq(pipeline_velocity_per_day(5, 0, 0, 4, 0, &v), -1);
}
END_TEST

Suite *
pipeline_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("arithmetic");

	tcase_add_test(tc, path_full_history);
	tcase_add_test(tc, path_imported_without_history);
	tcase_add_test(tc, path_history_starts_late);
	tcase_add_test(tc, path_lost);
	tcase_add_test(tc, median);
	tcase_add_test(tc, velocity);
	suite_add_tcase(s, tc);
	return s;
}
