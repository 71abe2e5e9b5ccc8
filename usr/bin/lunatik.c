// SPDX-License-Identifier: GPL-2.0
/*
 * lunatik: load and unload the Lunatik kernel modules, run and stop
 * scripts, and evaluate Lua in the kernel through /dev/lunatik (see
 * lunatik_uapi.h for the protocol).
 *
 * Exit status: 0 on success, 1 when an operation or a Lua chunk fails,
 * 2 on a usage error (documented in lunatik(8)).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "lunatik_uapi.h"
#include "modules.h"

/* LUNATIK_RELEASE comes from the VERSION file (the Makefile passes it) */
#define LUNATIK_VERSION	"Lunatik " LUNATIK_RELEASE
#define BANNER		LUNATIK_VERSION "  Copyright (C) the Lunatik authors"

#define SCRIPT_MAX	200
#define SCRIPT_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-"
#define QUOTED_MAX	(4 * SCRIPT_MAX + 3)	/* every byte as \ddd, quotes, NUL */
#define CHUNK_SIZE	(QUOTED_MAX + 64)
#define READ_MIN	4096
#define WAIT_MS		2000
#define POLL_MS		50
#define EOF_MARK	"<eof>"		/* ends the error of an incomplete chunk */

#define RUNNER		"require(\"lunatik.runner\")"

enum { EXIT_OK, EXIT_FAIL, EXIT_USAGE };

static const char usage[] =
	"usage: lunatik [load|unload|reload|status|list] [run|spawn|stop <script>]\n"
	"  load            load the Lunatik kernel modules\n"
	"  unload          stop every runtime, then unload the Lunatik kernel modules\n"
	"  reload          reload the Lunatik kernel modules\n"
	"  status          show which Lunatik kernel modules are loaded\n"
	"  list            show which runtime environments are running\n"
	"  run <script> [true|false|process|softirq] [percpu]\n"
	"                  run /lib/modules/lua/<script>.lua in a new runtime\n"
	"                  environment; false (or softirq) makes it non-sleepable\n"
	"                  (packet hooks); percpu runs it once per CPU, each CPU's\n"
	"                  packets calling that CPU's runtime\n"
	"  spawn <script>  run the function <script> returns in a kernel thread\n"
	"                  (named after the script) of a new runtime environment\n"
	"  stop <script>   stop the runtime environment (and thread) of <script>\n"
	"  help            show this help\n"
	"  version         show the version (also --version)\n"
	"  (no command)    start a REPL (Read-Eval-Print Loop) in the kernel\n"
	"<script> may end with .lua. LUNATIK_DEVICE overrides the device path\n"
	"(default " LUNATIK_DEVICE ").\n";

static const char *device;
static const char *sysmodule;	/* /sys/module, LUNATIK_SYSMODULE in host tests */

struct reply {
	char *buf;	/* status byte, then text */
	size_t len;
	size_t size;
};

static void msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("lunatik: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Anything but "no such file" counts as present: open() reports the rest. */
static bool device_exists(void)
{
	struct stat st;

	return stat(device, &st) == 0 || errno != ENOENT;
}

static int modprobe(bool remove, const char *module)
{
	const char *argv[4] = { "modprobe" };
	int argc = 1, status;
	pid_t pid;

	if (remove)
		argv[argc++] = "-r";
	argv[argc] = module;

	pid = fork();
	if (pid < 0) {
		msg("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		msg("modprobe: %s", strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			msg("waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	msg("modprobe %s%s failed", remove ? "-r " : "", module);
	return -1;
}

/* 1 if /proc/modules lists the module, 0 if not, -1 on error */
static int module_loaded(const char *module)
{
	size_t len = strlen(module), cap = 0;
	char *line = NULL;
	int found = 0;
	FILE *f;

	f = fopen("/proc/modules", "re");
	if (!f) {
		msg("/proc/modules: %s", strerror(errno));
		return -1;
	}
	while (!found && getline(&line, &cap, f) > 0)
		found = !strncmp(line, module, len) && line[len] == ' ';
	free(line);
	fclose(f);
	return found;
}

/* udev may create the node a little after the module is in */
static int wait_device(void)
{
	const struct timespec poll = { .tv_nsec = POLL_MS * 1000000L };
	int waited;

	for (waited = 0; waited < WAIT_MS; waited += POLL_MS) {
		if (device_exists())
			return 0;
		nanosleep(&poll, NULL);
	}
	if (device_exists())
		return 0;
	msg("%s did not appear after loading the modules", device);
	return -1;
}

static int load_modules(void)
{
	size_t i;

	for (i = 0; i < LUNATIK_NMODULES; i++)
		if (modprobe(false, lunatik_modules[i]))
			return -1;
	return wait_device();
}

static int unload_modules(void)
{
	size_t i = LUNATIK_NMODULES;
	int loaded;

	while (i--) {
		loaded = module_loaded(lunatik_modules[i]);
		if (loaded < 0 || (loaded && modprobe(true, lunatik_modules[i])))
			return -1;
	}
	return 0;
}

/*
 * Host tests stand in for the device with a Unix seqpacket socket: one
 * message per write(), and an empty message ends each reply as EOF does.
 */
static int socket_open(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(device) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, device);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Opens a session, loading the modules first if the device is missing. */
static int session_open(void)
{
	struct stat st;
	int fd;

	if (!device_exists() && load_modules())
		return -1;
	if (stat(device, &st) == 0 && S_ISSOCK(st.st_mode))
		fd = socket_open();
	else
		fd = open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		msg("%s: %s", device, strerror(errno));
	return fd;
}

/* Reads until end of file: a reply has no length limit. */
static int read_reply(int fd, struct reply *r)
{
	ssize_t n;
	char *buf;

	r->len = 0;
	for (;;) {
		if (r->size - r->len < READ_MIN) {
			buf = realloc(r->buf, r->size * 2 + READ_MIN);
			if (!buf) {
				msg("out of memory");
				return -1;
			}
			r->buf = buf;
			r->size = r->size * 2 + READ_MIN;
		}
		n = read(fd, r->buf + r->len, r->size - r->len);
		if (n > 0)
			r->len += n;
		else if (n == 0)
			break;
		else if (errno != EINTR) {
			msg("%s: read: %s", device, strerror(errno));
			return -1;
		}
	}
	if (r->len == 0 || (r->buf[0] != LUNATIK_REPLY_OK && r->buf[0] != LUNATIK_REPLY_ERR)) {
		msg("%s: malformed reply", device);
		return -1;
	}
	return 0;
}

/* Sends one chunk (one write) and reads its whole reply. */
static int eval(int fd, const char *chunk, size_t len, struct reply *r)
{
	ssize_t n;

	n = write(fd, chunk, len);
	if (n < 0) {
		msg("%s: write: %s", device, strerror(errno));
		return -1;
	}
	if ((size_t)n != len) {
		msg("%s: short write (%zd of %zu bytes)", device, n, len);
		return -1;
	}
	return read_reply(fd, r);
}

/* Prints the results (if any) or the error; returns 1 on an error. */
static int print_reply(const struct reply *r)
{
	const char *text = r->buf + 1;
	size_t len = r->len - 1;

	if (r->buf[0] == LUNATIK_REPLY_ERR) {
		fputs("lunatik: ", stderr);
		fwrite(text, 1, len, stderr);
		fputc('\n', stderr);
		return 1;
	}
	if (len) {
		fwrite(text, 1, len, stdout);
		fputc('\n', stdout);
	}
	return 0;
}

/* As lua.c does: a syntax error at <eof> means the chunk goes on. */
static bool incomplete(const struct reply *r)
{
	size_t mark = strlen(EOF_MARK);

	return r->buf[0] == LUNATIK_REPLY_ERR && r->len - 1 >= mark &&
		!memcmp(r->buf + r->len - mark, EOF_MARK, mark);
}

/* Runs one chunk in a session of its own; prints its results if asked. */
static int call(const char *chunk, bool print)
{
	struct reply r = { 0 };
	int fd, ret = EXIT_FAIL;

	fd = session_open();
	if (fd < 0)
		return EXIT_FAIL;
	if (!eval(fd, chunk, strlen(chunk), &r)) {
		if (print || r.buf[0] == LUNATIK_REPLY_ERR)
			ret = print_reply(&r) ? EXIT_FAIL : EXIT_OK;
		else
			ret = EXIT_OK;
	}
	free(r.buf);
	close(fd);
	return ret;
}

/* Appends a line to the pending chunk, a newline between lines. */
static int append_line(char **chunk, size_t *len, const char *line, size_t n)
{
	char *buf = realloc(*chunk, *len + n + 2);

	if (!buf) {
		msg("out of memory");
		return -1;
	}
	if (*len)
		buf[(*len)++] = '\n';
	memcpy(buf + *len, line, n);
	*len += n;
	*chunk = buf;
	return 0;
}

struct repl {
	int fd;
	char *chunk;
	size_t len;		/* of the pending chunk, 0 between chunks */
	struct reply r;
	bool failed;		/* a chunk failed */
};

/* Feeds one line to the pending chunk; -1 if the session broke. */
static int repl_feed(struct repl *s, const char *line, size_t n)
{
	if (!s->len && !n)
		return 0;
	if (append_line(&s->chunk, &s->len, line, n))
		return -1;
	if (s->len > LUNATIK_CHUNK_MAX) {
		msg("chunk of %zu bytes refused (at most %d)", s->len, LUNATIK_CHUNK_MAX);
		s->failed = true;
		s->len = 0;
		return 0;
	}
	if (eval(s->fd, s->chunk, s->len, &s->r))
		return -1;
	if (!incomplete(&s->r)) {
		s->failed |= print_reply(&s->r);
		s->len = 0;
	}
	return 0;
}

/*
 * One session for the whole loop, so globals persist between lines. The
 * exit status of a piped REPL tells whether any chunk failed.
 */
static int repl(void)
{
	bool tty = isatty(STDIN_FILENO), broken = false;
	struct repl s = { .fd = session_open() };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (s.fd < 0)
		return EXIT_FAIL;
	if (tty)
		puts(BANNER);
	while (!broken) {
		if (tty) {
			fputs(s.len ? ">> " : "> ", stdout);
			fflush(stdout);
		}
		n = getline(&line, &cap, stdin);
		if (n < 0)
			break;
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		broken = repl_feed(&s, line, n) < 0;
	}
	/* end of input inside an unfinished chunk: report why it is one */
	if (!broken && s.len)
		s.failed |= print_reply(&s.r);
	if (tty)
		putchar('\n');
	free(line);
	free(s.chunk);
	free(s.r.buf);
	close(s.fd);
	return broken || (s.failed && !tty) ? EXIT_FAIL : EXIT_OK;
}

/* Writes s as a Lua string literal into dst (QUOTED_MAX bytes). */
static void lua_quote(char *dst, const char *s)
{
	unsigned char c;

	*dst++ = '"';
	for (; (c = *s); s++) {
		if (c == '"' || c == '\\') {
			*dst++ = '\\';
			*dst++ = c;
		} else if (c < 0x20 || c >= 0x7f) {
			dst += sprintf(dst, "\\%03u", c);
		} else {
			*dst++ = c;
		}
	}
	*dst++ = '"';
	*dst = '\0';
}

/*
 * A script is a plain relative path under /lib/modules/lua/: it can then
 * neither leave that folder nor break the Lua string it is quoted in. The
 * .lua suffix is dropped since users paste file names. Quotes the name
 * into quoted, or prints why it is refused.
 */
static bool script_name(const char *arg, char *quoted)
{
	char name[SCRIPT_MAX + 1];
	size_t len = strlen(arg), n;
	const char *c, *slash;

	if (len > 4 && !strcmp(arg + len - 4, ".lua"))
		len -= 4;
	if (len == 0 || len > SCRIPT_MAX)
		goto invalid;
	memcpy(name, arg, len);
	name[len] = '\0';
	if (strspn(name, SCRIPT_CHARS) != len)
		goto invalid;
	for (c = name;; c = slash + 1) {
		slash = strchrnul(c, '/');
		n = slash - c;
		if (n == 0 || (c[0] == '.' && (n == 1 || (n == 2 && c[1] == '.'))))
			goto invalid;
		if (!*slash)
			break;
	}
	lua_quote(quoted, name);
	return true;
invalid:
	msg("invalid script name '%s' (expected a relative path of [A-Za-z0-9_./-], "
	    "without '.' or '..' components, at most %d characters)", arg, SCRIPT_MAX);
	return false;
}

static int cmd_help(char **argv)
{
	(void)argv;
	fputs(usage, stdout);
	return EXIT_OK;
}

static int cmd_version(char **argv)
{
	(void)argv;
	puts(LUNATIK_VERSION);
	return EXIT_OK;
}

static int cmd_load(char **argv)
{
	(void)argv;
	if (device_exists()) {
		msg("%s exists: the modules are already loaded", device);
		return EXIT_OK;
	}
	return load_modules() ? EXIT_FAIL : EXIT_OK;
}

/*
 * Rules naming a Lua extension hold luaxtable, so the modules cannot go:
 * 1 if any rule does (and says so), 0 if none, -1 on error. An older
 * luaxtable without the counter, or none loaded, counts as none.
 */
static int rules_hold_modules(void)
{
	char path[PATH_MAX];
	long rules;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/luaxtable/parameters/rules", sysmodule);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		msg("%s: %s", path, strerror(errno));
		return -1;
	}
	n = fscanf(f, "%ld", &rules);
	fclose(f);
	if (n != 1) {
		msg("%s: unreadable", path);
		return -1;
	}
	if (rules <= 0)
		return 0;
	msg("%ld iptables/nftables rule(s) use Lua extensions (luaxtable): "
	    "delete them first; nothing was stopped or unloaded", rules);
	return 1;
}

/*
 * Runtimes hold references on the modules: stop them all first. Refused
 * before anything stops when rules would keep the modules in anyway.
 */
static int cmd_unload(char **argv)
{
	int ret = EXIT_OK;

	(void)argv;
	if (rules_hold_modules())
		return EXIT_FAIL;
	if (device_exists())
		ret = call(RUNNER ".shutdown()", false);
	return unload_modules() ? EXIT_FAIL : ret;
}

static int cmd_reload(char **argv)
{
	int ret = cmd_unload(argv);

	return ret ? ret : cmd_load(argv);
}

static int cmd_status(char **argv)
{
	size_t i;
	int loaded;

	(void)argv;
	for (i = 0; i < LUNATIK_NMODULES; i++) {
		loaded = module_loaded(lunatik_modules[i]);
		if (loaded < 0)
			return EXIT_FAIL;
		printf("%s\t%s\n", lunatik_modules[i], loaded ? "loaded" : "not loaded");
	}
	return EXIT_OK;
}

static int cmd_list(char **argv)
{
	(void)argv;
	return call("return " RUNNER ".list()", true);
}

/*
 * run <script> [KIND] [percpu], KIND true|false as ours or Lunatik's
 * context names (process, softirq), in either order as Lunatik takes them.
 */
static int cmd_run(char **argv)
{
	char quoted[QUOTED_MAX], chunk[CHUNK_SIZE];
	const char *sleep = NULL;
	bool percpu = false;
	int i;

	for (i = 1; argv[i]; i++) {
		if (!strcmp(argv[i], "percpu") && !percpu) {
			percpu = true;
		} else if (!sleep && (!strcmp(argv[i], "true") || !strcmp(argv[i], "process"))) {
			sleep = "true";
		} else if (!sleep && (!strcmp(argv[i], "false") || !strcmp(argv[i], "softirq"))) {
			sleep = "false";
		} else {
			if (!strcmp(argv[i], "hardirq"))
				msg("hardirq runtimes are not supported: use softirq");
			msg("usage: lunatik run <script> [true|false|process|softirq] [percpu]");
			return EXIT_USAGE;
		}
	}
	if (!script_name(argv[0], quoted))
		return EXIT_USAGE;
	snprintf(chunk, sizeof(chunk), "return " RUNNER ".run(%s, %s%s)", quoted,
		 sleep ? sleep : "true", percpu ? ", true" : "");
	return call(chunk, false);
}

static int cmd_stop(char **argv)
{
	char quoted[QUOTED_MAX], chunk[CHUNK_SIZE];

	if (!script_name(argv[0], quoted))
		return EXIT_USAGE;
	snprintf(chunk, sizeof(chunk), RUNNER ".stop(%s)", quoted);
	return call(chunk, false);
}

static int cmd_spawn(char **argv)
{
	char quoted[QUOTED_MAX], chunk[CHUNK_SIZE];

	if (!script_name(argv[0], quoted))
		return EXIT_USAGE;
	snprintf(chunk, sizeof(chunk), RUNNER ".spawn(%s)", quoted);
	return call(chunk, false);
}

static const struct verb {
	const char *name;
	const char *args;	/* shown by usage errors */
	int min, max;		/* number of operands */
	int (*run)(char **argv);
} verbs[] = {
	{ "load",	"",				0, 0, cmd_load },
	{ "unload",	"",				0, 0, cmd_unload },
	{ "reload",	"",				0, 0, cmd_reload },
	{ "status",	"",				0, 0, cmd_status },
	{ "list",	"",				0, 0, cmd_list },
	{ "run",	" <script> [true|false|process|softirq] [percpu]",	1, 3, cmd_run },
	{ "spawn",	" <script>",			1, 1, cmd_spawn },
	{ "stop",	" <script>",			1, 1, cmd_stop },
	{ "help",	"",				0, 0, cmd_help },
	{ "-h",		"",				0, 0, cmd_help },
	{ "--help",	"",				0, 0, cmd_help },
	{ "version",	"",				0, 0, cmd_version },
	{ "--version",	"",				0, 0, cmd_version },
};

int main(int argc, char **argv)
{
	const struct verb *v;
	size_t i;

	device = getenv("LUNATIK_DEVICE");
	if (!device || !*device)
		device = LUNATIK_DEVICE;
	sysmodule = getenv("LUNATIK_SYSMODULE");
	if (!sysmodule || !*sysmodule)
		sysmodule = "/sys/module";

	if (argc < 2)
		return repl();
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		v = &verbs[i];
		if (strcmp(argv[1], v->name))
			continue;
		if (argc - 2 < v->min || argc - 2 > v->max) {
			msg("usage: lunatik %s%s", v->name, v->args);
			return EXIT_USAGE;
		}
		return v->run(argv + 2);
	}
	msg("unknown command '%s'", argv[1]);
	fputs(usage, stderr);
	return EXIT_USAGE;
}
