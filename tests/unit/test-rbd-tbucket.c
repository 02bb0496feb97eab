/*
 * Unit tests of the QoS token bucket (plugins/rbd/rbd-tbucket.c), against
 * what librbd 16's TokenBucketThrottle does with the same settings: the
 * tick length, exactly the limit's tokens each second, no burst at the
 * start, a burst above the limit spent faster than the refill, refusals.
 */
#include <errno.h>
#include <glib.h>

#include "rbd-tbucket.h"

/* Fills for one second's ticks, spending all after each; the tokens spent. */
static uint64_t one_second(struct rbd_tbucket *b)
{
    uint64_t spent = 0;

    for (uint32_t i = 0; i < b->ticks_per_sec; i++) {
        rbd_tbucket_fill(b);
        spent += rbd_tbucket_take(b, UINT64_MAX);
    }
    return spent;
}

static void test_ticks(void)
{
    static const struct {
        uint64_t avg;
        uint32_t tick_min, tick_ms, tps;
    } cases[] = {
        { 50, 50, 50, 20 },         /* 1000 / 50 = 20 < 50: the minimum */
        { 3, 50, 333, 3 },          /* 1000 / 3 = 333 */
        { 7, 50, 142, 7 },
        { 1, 50, 1000, 1 },
        { 1000000000000ull, 50, 50, 20 },
        { 100, 1, 10, 100 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct rbd_tbucket b = { 0 };

        g_assert_cmpint(rbd_tbucket_set(&b, cases[i].avg, 0, 1,
                                        cases[i].tick_min), ==, 0);
        g_assert_true(rbd_tbucket_on(&b));
        g_assert_cmpuint(b.tick_ms, ==, cases[i].tick_ms);
        g_assert_cmpuint(b.ticks_per_sec, ==, cases[i].tps);
    }
}

/* Each second adds exactly the limit, however it divides into ticks. */
static void test_rate(void)
{
    static const uint64_t avgs[] = { 1, 3, 7, 50, 99, 1000, 1048576,
                                     1000000000000ull };

    for (size_t i = 0; i < G_N_ELEMENTS(avgs); i++) {
        struct rbd_tbucket b = { 0 };

        rbd_tbucket_set(&b, avgs[i], 0, 1, 50);
        for (int s = 0; s < 3; s++) {
            g_assert_cmpuint(one_second(&b), ==, avgs[i]);
        }
    }
}

/* A new bucket is empty: the first tokens come with the first tick. */
static void test_starts_empty(void)
{
    struct rbd_tbucket b = { 0 };

    rbd_tbucket_set(&b, 50, 0, 1, 50);
    g_assert_cmpuint(rbd_tbucket_take(&b, 1), ==, 0);
    rbd_tbucket_fill(&b);
    /* 50 a second in 20 ticks: 2 or 3 each. */
    g_assert_cmpuint(rbd_tbucket_take(&b, 100), ==, 2);
    rbd_tbucket_fill(&b);
    g_assert_cmpuint(rbd_tbucket_take(&b, 100), ==, 3);
}

/* Without a burst at most the limit is spendable at once. */
static void test_cap(void)
{
    struct rbd_tbucket b = { 0 };

    rbd_tbucket_set(&b, 50, 0, 1, 50);
    for (int i = 0; i < 100; i++) {
        rbd_tbucket_fill(&b);
    }
    g_assert_cmpuint(rbd_tbucket_take(&b, 1000), ==, 50);
}

/*
 * A burst of 100 over 2 s with a limit of 50: twice the refill may be
 * spent, up to 100 at once, while the reservoir of 200 lasts.
 */
static void test_burst(void)
{
    struct rbd_tbucket b = { 0 };
    uint64_t spent = 0;

    g_assert_cmpint(rbd_tbucket_set(&b, 50, 100, 2, 50), ==, 0);
    g_assert_cmpuint(b.max, ==, 100);
    g_assert_cmpuint(b.capacity, ==, 200);
    for (int i = 0; i < 20; i++) {
        rbd_tbucket_fill(&b);
        spent += rbd_tbucket_take(&b, UINT64_MAX);
    }
    /* Twice the limit in the first second, from the full reservoir. */
    g_assert_cmpuint(spent, >=, 95);
    g_assert_cmpuint(spent, <=, 100);
    /* Once the reservoir has run down, the limit. */
    for (int s = 0; s < 5; s++) {
        spent = 0;
        for (int i = 0; i < 20; i++) {
            rbd_tbucket_fill(&b);
            spent += rbd_tbucket_take(&b, UINT64_MAX);
        }
    }
    g_assert_cmpuint(spent, ==, 50);
}

static void test_refused(void)
{
    struct rbd_tbucket b = { 0 };

    rbd_tbucket_set(&b, 50, 0, 1, 50);
    g_assert_cmpint(rbd_tbucket_set(&b, 100, 60, 1, 50), ==, -EINVAL);
    g_assert_cmpuint(b.avg, ==, 50);
}

static void test_off(void)
{
    struct rbd_tbucket b = { 0 };

    rbd_tbucket_set(&b, 50, 0, 1, 50);
    rbd_tbucket_fill(&b);
    g_assert_cmpint(rbd_tbucket_set(&b, 0, 0, 1, 50), ==, 0);
    g_assert_false(rbd_tbucket_on(&b));
    rbd_tbucket_fill(&b);
    g_assert_cmpuint(rbd_tbucket_take(&b, 1), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rbd-tbucket/ticks", test_ticks);
    g_test_add_func("/rbd-tbucket/rate", test_rate);
    g_test_add_func("/rbd-tbucket/starts-empty", test_starts_empty);
    g_test_add_func("/rbd-tbucket/cap", test_cap);
    g_test_add_func("/rbd-tbucket/burst", test_burst);
    g_test_add_func("/rbd-tbucket/refused", test_refused);
    g_test_add_func("/rbd-tbucket/off", test_off);
    return g_test_run();
}
