// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for /dev/lunatik in host tests: a Unix seqpacket socket that
 * speaks the device protocol (one message per chunk; the reply as one or
 * more messages, then an empty one for end of file). It logs every chunk,
 * one per line, to LOG and answers by the first rule that matches:
 *   unbalanced '('          E: a syntax error near <eof> (incomplete chunk)
 *   "E <text>"              E: <text>
 *   contains "fail"         E: fail.lua:1: boom
 *   ends with ".list()"     R: "a\nb"
 *   "session"               R: how many chunks this session has sent
 *   "big"                   R: BIG_LEN times 'x', in small messages
 *   "R <text>"              R: <text>
 *   anything else           R: the chunk itself
 * Usage: fakedev SOCKET LOG
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#define CHUNK_MAX	65536
#define BIG_LEN		300000
#define INCOMPLETE	"[string \"x\"]:1: ')' expected near <eof>"
#define PIECE		1000	/* smaller than any read() of the command */

static void reply(int fd, char status, const char *text, size_t len)
{
	char piece[PIECE + 1];
	size_t n;

	piece[0] = status;
	n = len < PIECE ? len : PIECE;
	memcpy(piece + 1, text, n);
	send(fd, piece, n + 1, 0);
	for (text += n, len -= n; len; text += n, len -= n) {
		n = len < PIECE ? len : PIECE;
		send(fd, text, n, 0);
	}
	send(fd, "", 0, 0);
}

static void answer(int fd, const char *c, size_t len, int count)
{
	static char big[BIG_LEN];
	const char *list = ".list()";
	int open = 0, i;
	char num[16];

	for (i = 0; c[i]; i++)
		open += (c[i] == '(') - (c[i] == ')');
	if (open > 0) {
		reply(fd, 'E', INCOMPLETE, strlen(INCOMPLETE));
	} else if (!strncmp(c, "E ", 2)) {
		reply(fd, 'E', c + 2, len - 2);
	} else if (strstr(c, "fail")) {
		reply(fd, 'E', "fail.lua:1: boom", 16);
	} else if (len >= strlen(list) && !strcmp(c + len - strlen(list), list)) {
		reply(fd, 'R', "a\nb", 3);
	} else if (!strcmp(c, "session")) {
		reply(fd, 'R', num, snprintf(num, sizeof(num), "%d", count));
	} else if (!strcmp(c, "big")) {
		memset(big, 'x', BIG_LEN);
		reply(fd, 'R', big, BIG_LEN);
	} else if (!strncmp(c, "R ", 2)) {
		reply(fd, 'R', c + 2, len - 2);
	} else {
		reply(fd, 'R', c, len);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	static char chunk[CHUNK_MAX + 1];
	int srv, fd, log, count;
	ssize_t n;

	if (argc != 3 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: fakedev SOCKET LOG\n");
		return 2;
	}
	/* Listen under a temporary name, then appear: the device exists only once it answers. */
	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s.new", argv[1]) >=
	    (int)sizeof(addr.sun_path)) {
		fprintf(stderr, "fakedev: path too long\n");
		return 2;
	}
	log = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);
	srv = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (log < 0 || srv < 0 || bind(srv, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(srv, 4) || rename(addr.sun_path, argv[1])) {
		perror("fakedev");
		return 1;
	}
	while ((fd = accept(srv, NULL, NULL)) >= 0) {
		for (count = 1; (n = recv(fd, chunk, CHUNK_MAX, 0)) > 0; count++) {
			chunk[n] = '\n';
			if (write(log, chunk, n + 1) != n + 1)
				perror("fakedev: log");
			chunk[n] = '\0';
			answer(fd, chunk, n, count);
		}
		close(fd);
	}
	perror("fakedev: accept");
	return 1;
}
