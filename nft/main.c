// SPDX-License-Identifier: GPL-2.0
/*
 * nft-lua: add, insert, list, delete, save and restore nftables rules that
 * call xtables extensions, Lua-scripted ones in particular, through
 * nf_tables' compat match and target expressions. Stock nft lists them.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft-lua.h"

bool dry_run;
bool debug;
char where[32];

void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": %s", where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": %s", where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

static void help(void)
{
	printf(
"Usage: " PROG " [-n] [-d] COMMAND\n"
"       " PROG " [-n] [-d] -f FILE        (restore; FILE - is stdin)\n"
"\n"
"nftables rules calling xtables extensions (Lua-scripted ones included)\n"
"through nf_tables' compat expressions; stock nft lists them.\n"
"\n"
"Commands:\n"
"  add rule FAMILY TABLE CHAIN [position HANDLE] RULE...\n"
"  insert rule FAMILY TABLE CHAIN [position HANDLE] RULE...\n"
"  delete rule FAMILY TABLE CHAIN handle HANDLE\n"
"  list [FAMILY [TABLE [CHAIN]]]     rules with their handles\n"
"  save [FAMILY [TABLE]]             commands that recreate them\n"
"  restore                           read commands from stdin, one batch\n"
"  add table FAMILY TABLE\n"
"  add chain FAMILY TABLE CHAIN ['{ type T hook H priority P ; policy P ; }']\n"
"  flush table FAMILY TABLE | flush chain FAMILY TABLE CHAIN\n"
"\n"
"FAMILY: ip, ip6, inet or bridge.\n"
"RULE, left to right:\n"
"  meta l4proto [!=] PROTO             tcp, udp, icmp, icmpv6, ... or a number\n"
"  tcp|udp sport|dport [!=] PORT       a number\n"
"  counter                             \n"
"  comment TEXT\n"
"  [match|target] NAME [OPTIONS]       an xtables extension, its options\n"
"                                      parsed by its libxt_NAME.so plugin\n"
"  accept | drop | return | continue | jump CHAIN | goto CHAIN\n"
"Not supported: addresses, interfaces, sets, ranges, service names and\n"
"other native nft statements: write those rules with nft.\n"
"\n"
"Options:\n"
"  -n, --dry-run   parse and print the expressions; send nothing\n"
"  -d, --debug     print the expressions of each rule sent\n"
"  -f, --file FILE restore from FILE\n"
"  -h, --help      this help\n"
"  -V, --version   the version\n"
"\n"
"Exit status: 0 on success, 1 when an operation fails (or save meets a rule\n"
"it cannot write), 2 on a usage error or bad extension arguments.\n"
"\n"
"Example:\n"
"  " PROG " add rule inet filter output dnsblock --domain example.com counter drop\n"
"  " PROG " list inet filter\n"
"  " PROG " delete rule inet filter output handle 7\n"
"  " PROG " save > rules; " PROG " -f rules\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL;
	int c;

	/* "+": stop at the command, its words may start with '-' */
	while ((c = getopt_long(argc, argv, "+ndf:hV", options, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			debug = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			help();
			return 0;
		case 'V':
			/* LUNATIK_RELEASE comes from the VERSION file */
			puts(PROG " (Lunatik) " LUNATIK_RELEASE);
			return 0;
		default:
			fprintf(stderr, "Try '" PROG " --help'.\n");
			return EXIT_USAGE;
		}
	}
	argv += optind;
	argc -= optind;

	if (file) {
		if (argc)
			usage_error("-f takes no command");
		commands_from_file(file);
	} else if (!argc) {
		usage_error("no command; see --help");
	} else if (!strcmp(argv[0], "list") || !strcmp(argv[0], "save")) {
		if (dry_run)
			usage_error("%s reads the kernel: no --dry-run", argv[0]);
		return list_ruleset(argv, argc, !strcmp(argv[0], "save"));
	} else if (!strcmp(argv[0], "restore")) {
		if (argc > 1)
			usage_error("restore reads stdin: use -f FILE for a file");
		commands_from_file("-");
	} else {
		command_run(argv, argc);
	}
	return nl_commit();
}
