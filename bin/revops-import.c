/*
 * revops-import: load CSV/TSV files of one entity into the database,
 * validated and atomic, in revops's columns or as another system exports
 * them (--from); list the entities, print their templates, export them
 * back, show the audit log.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "db.h"
#include "entity.h"
#include "export.h"
#include "import.h"
#include "mapping.h"

enum {
	OPT_DRY_RUN = CLI_OPT_FIRST_OWN, OPT_EXPORT, OPT_FROM, OPT_LIST,
	OPT_LOG, OPT_MAPPING, OPT_REJECTS, OPT_REPLACE, OPT_SCHEMA, OPT_SINCE,
	OPT_UPSERT
};

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "export", required_argument, NULL, OPT_EXPORT },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "last", required_argument, NULL, 'n' },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "log", no_argument, NULL, OPT_LOG },
	{ "mapping", required_argument, NULL, OPT_MAPPING },
	{ "rejects", required_argument, NULL, OPT_REJECTS },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ "schema", required_argument, NULL, OPT_SCHEMA },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "upsert", no_argument, NULL, OPT_UPSERT },
	{ NULL, 0, NULL, 0 }
};

static const struct cli_option_help options[] = {
	{ "upsert", NULL, "insert new rows, update existing ones by id" },
	{ "replace", NULL, "the files are the whole table: rows not in them go" },
	{ "dry-run", NULL, "validate everything, write nothing" },
	{ "rejects", "FILE", "import the valid rows, write the others to FILE "
	    "with an error column (- for standard output)" },
	{ "from", "SYSTEM", "read SYSTEM's own export (stripe...) through its "
	    "mapping" },
	{ "mapping", "FILE", "with --from: the mapping of the system from FILE, "
	    "not the built-in one" },
	{ "list", NULL, "list the entities; with --from, the system's exports "
	    "and the entity each becomes" },
	{ "schema", "ENTITY", "print the header line of a template for ENTITY" },
	{ "export", "ENTITY", "write the entity's rows with the import columns" },
	{ "log", NULL, "print the audit log" },
	{ "last", "N", "log: only the last N entries, also -n N" },
	{ "since", "DATE", "log: only the entries of DATE and after (UTC)" },
};

static const struct cli_program program = {
	"ENTITY [FILE...]\n"
	"       revops-import --from SYSTEM [--mapping FILE] EXPORT [FILE...]\n"
	"       revops-import --list [--from SYSTEM [--mapping FILE]]\n"
	"       revops-import --schema ENTITY | --export ENTITY\n"
	"       revops-import --log [-n N] [--since DATE]",
	"Load CSV/TSV files of one entity into the database, validated,\n"
	"as one transaction: on any error nothing is written.  No FILE or\n"
	"'-' reads standard input.  With --excel, files that an --excel\n"
	"export wrote are read back as they were.  With --from, the files\n"
	"are another system's export, as it writes it.\n",
	NULL, 0, NULL,
	options, sizeof(options) / sizeof(options[0]),
	"revops-import -D acme.db accounts accounts.csv"
};

static const struct entity *
entity_arg(const char *name)
{
	const struct entity *e = entity_find(name);
	const char *near;

	if (e == NULL && (near = cli_nearest(name, entity_table, entity_count,
	    sizeof(entity_table[0]))) != NULL)
		cli_usage_error("'%s' is not an entity; did you mean '%s'?",
		    name, near);
	if (e == NULL)
		cli_usage_error("'%s' is not an entity (revops-import --list "
		    "shows them)", name);
	return e;
}

static int
list_entities(void)
{
	for (size_t i = 0; i < entity_count; i++)
		printf("%-14s %s\n", entity_table[i].name,
		    entity_table[i].description);
	return CLI_OK;
}

/* The mapping of the system --from names, or a usage error that lists
 * the systems; a mapping file that is not well formed is bad data. */
static struct mapping *
mapping_arg(const char *system, const char *path)
{
	struct mapping *m = mapping_load(system, path);
	char systems[256];

	if (m == NULL && path == NULL) {
		mapping_system_names(systems, sizeof(systems));
		cli_usage_error("'%s' is not a system revops reads (one of %s; "
		    "--mapping FILE reads another)", system, systems);
	}
	if (m == NULL)
		cli_die(CLI_EDATA, "%s: nothing imported: the mapping of %s is "
		    "not well formed", path, system);
	return m;
}

static const struct mapping_export *
export_arg(const struct mapping *m, const char *system, const char *name)
{
	const struct mapping_export *x = mapping_export_find(m, name);

	if (x == NULL)
		cli_usage_error("'%s' is not an export of %s (revops-import "
		    "--list --from %s shows them)", name, system, system);
	return x;
}

static int
list_exports(const struct mapping *m)
{
	int width = 14;		/* the names' column, as --list's */

	for (size_t i = 0; i < mapping_nexports(m); i++) {
		int n = (int)strlen(mapping_export_name(mapping_export_at(m,
		    i)));

		width = n > width ? n : width;
	}
	for (size_t i = 0; i < mapping_nexports(m); i++) {
		const struct mapping_export *x = mapping_export_at(m, i);

		printf("%-*s %s\n", width, mapping_export_name(x),
		    mapping_export_entity(x)->name);
	}
	return CLI_OK;
}

static int
print_schema(const struct entity *e, char delim)
{
	for (size_t i = 0; i < e->ncolumn; i++)
		printf("%s%s", i ? (char[2]){ delim, '\0' } : "",
		    e->column[i].name);
	putchar('\n');
	return CLI_OK;
}

int
main(int argc, char *argv[])
{
	struct cli_common common;
	struct import_opts o = { IMPORT_INSERT, 0, NULL, &common, NULL, NULL,
	    NULL };
	const char *export = NULL, *schema = NULL, *since = NULL;
	const char *from = NULL, *mapping_file = NULL;
	struct mapping *m = NULL;
	int list = 0, log = 0, alone, ch, rc;
	long last = 0;
	char *end, systems[256];
	struct db *db;

	cli_init("revops-import", &common);
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "n:", longopts,
	    NULL)) != -1) {
		if (cli_common_option(&common, ch, optarg))
			continue;
		switch (ch) {
		case OPT_DRY_RUN:
			o.dry_run = 1;
			break;
		case OPT_EXPORT:
			export = optarg;
			break;
		case OPT_FROM:
			from = optarg;
			break;
		case OPT_LIST:
			list = 1;
			break;
		case OPT_LOG:
			log = 1;
			break;
		case OPT_MAPPING:
			mapping_file = optarg;
			break;
		case 'n':
			last = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || last < 1)
				cli_usage_error("option '--last': '%s' is not a "
				    "number more than 0", optarg);
			break;
		case OPT_REJECTS:
			o.rejects = optarg;
			break;
		case OPT_REPLACE:
			if (o.mode == IMPORT_UPSERT)
				cli_usage_error("--upsert and --replace exclude "
				    "each other");
			o.mode = IMPORT_REPLACE;
			break;
		case OPT_SCHEMA:
			schema = optarg;
			break;
		case OPT_SINCE:
			(void)cli_day_arg("--since", optarg, 0, 0);
			since = optarg;
			break;
		case OPT_UPSERT:
			if (o.mode == IMPORT_REPLACE)
				cli_usage_error("--upsert and --replace exclude "
				    "each other");
			o.mode = IMPORT_UPSERT;
			break;
		default:
			if (ch == ':' && optopt == OPT_FROM) {
				mapping_system_names(systems, sizeof(systems));
				cli_usage_error("option '--from' needs a "
				    "system (one of %s)", systems);
			}
			cli_bad_option(ch, argv, longopts);
		}
	}
	o.arguments = cli_join_args(argc - 1, argv + 1);	/* options too */
	cli_no_documents(&common);
	argc -= optind;
	argv += optind;
	if (common.help)
		cli_help(&program, NULL);
	cli_help_command(&program, argc, argv);
	if ((last > 0 || since != NULL) && !log)
		cli_usage_error("--last and --since go with --log");
	alone = list + log + (export != NULL) + (schema != NULL);
	if (alone > 1 || (alone > 0 && (o.mode != IMPORT_INSERT || o.dry_run ||
	    o.rejects != NULL || argc > 0)))
		cli_usage_error("--list, --schema, --export and --log go alone");
	if (common.output != NULL && export == NULL && !log)
		cli_usage_error("-o goes with --export and --log, the tables "
		    "revops-import writes");
	if (mapping_file != NULL && from == NULL)
		cli_usage_error("--mapping goes with --from");
	if (from != NULL && (schema != NULL || export != NULL || log))
		cli_usage_error("--from goes with an import or --list");
	if (from != NULL && common.decimal_comma)
		cli_usage_error("--decimal-comma does not go with --from: the "
		    "mapping reads the system's amounts as it writes them");
	if (from != NULL)
		m = mapping_arg(from, mapping_file);
	if (list && m != NULL)
		rc = list_exports(m);
	else if (list)
		rc = list_entities();
	else if (schema != NULL)
		rc = print_schema(entity_arg(schema), common.delim);
	else if (export != NULL || log) {
		const struct entity *e = export ? entity_arg(export) : NULL;

		common.out.name = e != NULL ? e->name : "audit log";
		cli_output_open(&common);
		db = db_open(&common, DB_READ, 0);
		rc = (e ? export_rows(db, e, &common.out, NULL) :
		    export_log(db, &common.out, since, last)) == 0 ? CLI_OK : CLI_EIO;
		cli_finish_stdout();	/* errno says why, until the close */
		db_close(db);
	} else {
		const struct entity *e;

		if (argc < 1 && m != NULL)
			cli_usage_error("which export? (revops-import --list "
			    "--from %s shows them)", from);
		if (argc < 1)
			cli_usage_error("which entity? (revops-import --list "
			    "shows them)");
		o.from = m != NULL ? export_arg(m, from, argv[0]) : NULL;
		o.system = from;
		if (o.from != NULL && mapping_companion(o.from) != NULL &&
		    argc < 3)
			cli_usage_error("%s of %s reads the %s file first, then "
			    "the export's files", argv[0], from,
			    mapping_companion(o.from));
		import_check_opts(&o);
		e = o.from != NULL ? mapping_export_entity(o.from) :
		    entity_arg(argv[0]);
		/* a dry run against no database file checks against an empty
		 * one, and leaves no file behind */
		if (o.dry_run && !db_is_url(common.db_path) &&
		    access(common.db_path, F_OK) != 0)
			common.db_path = DB_MEMORY;
		db = db_open(&common, o.dry_run ? DB_DRY_RUN : DB_WRITE, 1);
		rc = import_files(db, e, &o, argv + 1, argc - 1);
		db_close(db);
	}
	free((char *)o.arguments);
	mapping_free(m);
	return cli_finish(rc);
}
