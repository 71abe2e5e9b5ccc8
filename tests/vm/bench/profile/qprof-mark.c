// SPDX-License-Identifier: GPL-2.0
/*
 * Opens or closes a counting window of the bench's --profile (qprof.c):
 * qprof-mark open|close 0|1. Each path loads a constant the plugin looks
 * for in the code it translates; outside QEMU with the plugin it does
 * nothing. Window 0 is the baseline's measurement, 1 the profiled case's.
 */
#include <stdio.h>
#include <string.h>

#define MARK(imm)	__asm__ volatile("movabs $" #imm ", %%rax" ::: "rax")

int main(int argc, char **argv)
{
	int close, window;

	if (argc != 3 || (strcmp(argv[1], "open") && strcmp(argv[1], "close")) ||
	    (strcmp(argv[2], "0") && strcmp(argv[2], "1"))) {
		fprintf(stderr, "usage: qprof-mark open|close 0|1\n");
		return 2;
	}
	close = !strcmp(argv[1], "close");
	window = argv[2][0] - '0';
	/* "QPROF", then the window and whether it closes (qprof.c's MARK) */
	if (!window && !close)
		MARK(0x5150524f46000000);
	else if (!window)
		MARK(0x5150524f46000001);
	else if (!close)
		MARK(0x5150524f46000100);
	else
		MARK(0x5150524f46000101);
	return 0;
}
