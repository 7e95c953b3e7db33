/*
 * test_metrics.c - the Prometheus text rendering (format 0.0.4): every
 * metric with HELP and TYPE, the fixed series at zero, counts held back in
 * a batch until it is committed, label values escaped, and a bounded
 * number of series.
 */
#include "testutil.h"

#include "metrics.h"
#include "util.h"

static char *render(int up, double lag, int64_t depth)
{
	struct metrics_gauges g = { .up = up, .sync_lag_s = lag, .outbox_depth = depth };
	struct buf b;

	buf_init(&b, 0);
	metrics_render(&g, &b);
	return buf_detach(&b);
}

static int setup(void **state)
{
	(void)state;
	metrics_reset();
	return 0;
}

static void test_every_metric_has_help_and_type(void **state)
{
	static const struct {
		const char *name, *type;
	} want[] = {
		{ "caucus_up", "gauge" },
		{ "caucus_sync_lag_seconds", "gauge" },
		{ "caucus_outbox_depth", "gauge" },
		{ "caucus_events_total", "counter" },
		{ "caucus_commands_total", "counter" },
		{ "caucus_send_failures_total", "counter" },
		{ "caucus_rate_limited_total", "counter" },
		{ "caucus_reminders_total", "counter" },
		{ "caucus_decrypt_failures_total", "counter" },
		{ "caucus_feed_fetch_total", "counter" },
	};
	char *text = render(1, 2.5, 3), line[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		snprintf(line, sizeof(line), "\n# TYPE %s %s\n", want[i].name, want[i].type);
		assert_non_null(strstr(text, line));
		snprintf(line, sizeof(line), "# HELP %s ", want[i].name);
		assert_non_null(strstr(text, line));
	}
	assert_non_null(strstr(text, "\ncaucus_up 1\n"));
	assert_non_null(strstr(text, "\ncaucus_sync_lag_seconds 2.500\n"));
	assert_non_null(strstr(text, "\ncaucus_outbox_depth 3\n"));
	/* nothing counted yet: the fixed series are there at zero */
	assert_non_null(strstr(text, "\ncaucus_feed_fetch_total{result=\"ok\"} 0\n"));
	assert_non_null(strstr(text, "\ncaucus_feed_fetch_total{result=\"error\"} 0\n"));
	assert_non_null(strstr(text, "\ncaucus_reminders_total{late=\"false\"} 0\n"));
	assert_non_null(strstr(text, "\ncaucus_rate_limited_total 0\n"));
	assert_null(strstr(text, "caucus_commands_total{"));
	/* the text ends with a newline, and every line is a comment or a sample */
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);
}

static void test_before_the_first_sync(void **state)
{
	char *text = render(0, -1, 0);

	(void)state;
	assert_non_null(strstr(text, "\ncaucus_sync_lag_seconds NaN\n"));
	assert_non_null(strstr(text, "caucus_up 0\n"));
	free(text);
}

static void test_counts_and_batches(void **state)
{
	char *text;

	(void)state;
	metrics_count(METRIC_COMMANDS, "who-covers");
	metrics_count(METRIC_COMMANDS, "who-covers");
	metrics_count(METRIC_RATE_LIMITED, "ignored");  /* no label: the value is dropped */
	metrics_begin();
	metrics_count(METRIC_COMMANDS, "cover");
	metrics_count(METRIC_EVENTS, "message");
	assert_int_equal(metrics_value(METRIC_COMMANDS, "cover"), 0);   /* held back */
	metrics_discard();      /* the batch was rolled back */
	metrics_begin();
	metrics_count(METRIC_EVENTS, "message");
	metrics_commit();
	assert_int_equal(metrics_value(METRIC_COMMANDS, "who-covers"), 2);
	assert_int_equal(metrics_value(METRIC_COMMANDS, "cover"), 0);
	assert_int_equal(metrics_value(METRIC_EVENTS, "message"), 1);
	assert_int_equal(metrics_value(METRIC_RATE_LIMITED, NULL), 1);
	text = render(1, 0, 0);
	assert_non_null(strstr(text, "\ncaucus_commands_total{command=\"who-covers\"} 2\n"));
	assert_non_null(strstr(text, "\ncaucus_commands_total{command=\"cover\"} 0\n"));
	assert_non_null(strstr(text, "\ncaucus_events_total{kind=\"message\"} 1\n"));
	assert_non_null(strstr(text, "\ncaucus_rate_limited_total 1\n"));
	/* a fixed series counted is listed once */
	assert_null(strstr(strstr(text, "kind=\"message\"") + 1, "kind=\"message\""));
	free(text);
}

static void test_label_values_are_escaped(void **state)
{
	char *text;

	(void)state;
	metrics_count(METRIC_COMMANDS, "a\"b\\c\nd");
	metrics_count(METRIC_COMMANDS, "");
	text = render(1, 0, 0);
	assert_non_null(strstr(text, "caucus_commands_total{command=\"a\\\"b\\\\c\\nd\"} 1\n"));
	assert_non_null(strstr(text, "caucus_commands_total{command=\"other\"} 1\n"));
	free(text);
}

static void test_series_are_bounded(void **state)
{
	char name[32], *text, *p;
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		metrics_count(METRIC_COMMANDS, name);
	}
	text = render(1, 0, 0);
	for (p = text; (p = strstr(p, "caucus_commands_total{")); p++)
		n++;
	assert_int_equal(n, METRICS_MAX_SERIES);
	/* what did not fit is counted, as "other" */
	assert_int_equal(metrics_value(METRIC_COMMANDS, "other"), 500 - (METRICS_MAX_SERIES - 1));
	assert_int_equal(metrics_value(METRIC_COMMANDS, "c0"), 1);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_every_metric_has_help_and_type, setup),
		cmocka_unit_test_setup(test_before_the_first_sync, setup),
		cmocka_unit_test_setup(test_counts_and_batches, setup),
		cmocka_unit_test_setup(test_label_values_are_escaped, setup),
		cmocka_unit_test_setup(test_series_are_bounded, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	metrics_reset();
	return rc;
}
