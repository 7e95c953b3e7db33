/*
 * main.c - the command line (SPEC §6): picks the subcommand and hands over
 * to the daemon, the console, the configuration check, the export or the
 * room setup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "console.h"
#include "daemon.h"
#include "status.h"
#include "export.h"
#include "setup.h"
#include "ical.h"
#include "store.h"
#include "store_issue.h"
#include "store_room.h"
#include "tokenize.h"
#include "util.h"
#include "when.h"

#define CAUCUS_VERSION "0.1.0"

static const char usage[] =
	"usage:\n"
	"  caucus [run] [-c FILE]          run the daemon (default FILE: bot.toml)\n"
	"  caucus check [-c FILE]          validate the configuration, print what it means\n"
	"  caucus console [-c FILE] [--as USER] [--room ISSUE] [--db FILE]\n"
	"                                  the same command engine on a terminal, no server\n"
	"  caucus export [-c FILE] ISSUE [--since WHEN] [--format md|json|ics]\n"
	"  caucus setup [-c FILE]          create the rooms the configuration names but\n"
	"                                  that do not exist yet\n"
	"  caucus status [-c FILE]         what the running bot is doing\n"
	"  caucus --help | --version\n";

static int cmd_check(const char *path)
{
	struct config *cfg = NULL;
	struct buf errs, out;
	int rc = 1;

	buf_init(&errs, 0);
	buf_init(&out, 0);
	if (config_load(path, &cfg, &errs)) {
		fprintf(stderr, "%s", errs.data);
		fprintf(stderr, "%s: configuration has errors\n", path);
		goto out;
	}
	config_describe(cfg, &out);
	fputs(out.data, stdout);
	printf("%s: configuration is valid\n", path);
	rc = 0;
out:
	config_free(cfg);
	buf_release(&errs);
	buf_release(&out);
	return rc;
}

static int cmd_export(const char *path, const char *issue, const char *since,
		      const char *format)
{
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct buf errs, out;
	char err[256], *slug = NULL, *name = NULL, *room = NULL;
	int64_t id, since_s = 0, end;
	int rc = 1;

	buf_init(&errs, 0);
	buf_init(&out, 0);
	if (strcmp(format, "md") && strcmp(format, "json") && strcmp(format, "ics")) {
		fprintf(stderr, "caucus export: --format is md, json or ics, not '%s'\n", format);
		goto out;
	}
	if (config_load(path, &cfg, &errs)) {
		fprintf(stderr, "%s", errs.data);
		goto out;
	}
	st = store_open(cfg->database, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "caucus export: %s\n", err);
		goto out;
	}
	if (store_issue_find_exact(st, issue, &id))
		id = 0;
	if (id <= 0 || store_lookup_issue(st, id, &slug, &name, &room)) {
		fprintf(stderr, "caucus export: no such issue '%s'\n", issue);
		goto out;
	}
	if (since) {
		struct strv argv = { 0 };
		size_t *offs = NULL, used;
		int bad = tokenize(since, &argv, &offs, err, sizeof(err)) ||
			  when_parse(cfg->timezone, (int64_t)time(NULL), argv.v, argv.n, &used,
				     &since_s, &end, err, sizeof(err)) || used != argv.n;
		strv_release(&argv);
		free(offs);
		if (bad) {
			fprintf(stderr, "caucus export: --since '%s': %s\n", since,
				err[0] ? err : "not a time");
			goto out;
		}
	}
	if (!strcmp(format, "ics")) {
		const char *server = strchr(cfg->user_id, ':');
		struct ical_out o = { .server = server ? server + 1 : cfg->user_id,
				      .timezone = cfg->timezone, .alarms_s = cfg->remind_before,
				      .n_alarms = cfg->n_remind_before, .now_s = (int64_t)time(NULL) };
		if (export_issue_ics(st, id, since_s, &o, &out, err, sizeof(err))) {
			fprintf(stderr, "caucus export: %s\n", err);
			goto out;
		}
	} else if (export_issue(st, id, slug, name, cfg->timezone, since_s * 1000, format, &out)) {
		goto out;
	}
	fputs(out.data, stdout);
	rc = 0;
out:
	free(slug);
	free(name);
	free(room);
	store_close(st);
	config_free(cfg);
	buf_release(&errs);
	buf_release(&out);
	return rc;
}

/* The value of an option at argv[*i], advancing; NULL (and a message) if missing. */
static const char *optval(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "caucus: %s needs a value\n%s", argv[*i], usage);
		return NULL;
	}
	return argv[++*i];
}

int main(int argc, char **argv)
{
	const char *sub = "run", *config = "bot.toml", *since = NULL, *format = "md";
	const char *issue = NULL;
	struct console_opts co = { 0 };
	int i = 1;

	if (argc > 1 && argv[1][0] != '-')
		sub = argv[i++];
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("caucus %s\n", CAUCUS_VERSION);
			return 0;
		} else if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
			if (!(config = optval(argc, argv, &i)))
				return 2;
		} else if (!strcmp(sub, "console") && !strcmp(a, "--as")) {
			if (!(co.user = optval(argc, argv, &i)))
				return 2;
		} else if (!strcmp(sub, "console") && !strcmp(a, "--room")) {
			if (!(co.room = optval(argc, argv, &i)))
				return 2;
		} else if (!strcmp(sub, "console") && !strcmp(a, "--db")) {
			if (!(co.db = optval(argc, argv, &i)))
				return 2;
		} else if (!strcmp(sub, "export") && !strcmp(a, "--since")) {
			if (!(since = optval(argc, argv, &i)))
				return 2;
		} else if (!strcmp(sub, "export") && !strcmp(a, "--format")) {
			if (!(format = optval(argc, argv, &i)))
				return 2;
		} else if (!strcmp(sub, "export") && a[0] != '-' && !issue) {
			issue = a;
		} else {
			fprintf(stderr, "caucus: unexpected argument '%s'\n%s", a, usage);
			return 2;
		}
	}
	if (!strcmp(sub, "check"))
		return cmd_check(config);
	if (!strcmp(sub, "console")) {
		co.config = config;
		return console_main(&co);
	}
	if (!strcmp(sub, "export")) {
		if (!issue) {
			fprintf(stderr, "caucus export: which issue?\n%s", usage);
			return 2;
		}
		return cmd_export(config, issue, since, format);
	}
	if (!strcmp(sub, "run"))
		return daemon_main(config);
	if (!strcmp(sub, "setup"))
		return setup_main(config);
	if (!strcmp(sub, "status"))
		return status_main(config);
	fprintf(stderr, "caucus: unknown command '%s'\n%s", sub, usage);
	return 2;
}
