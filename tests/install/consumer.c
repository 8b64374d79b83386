/* SPDX-License-Identifier: MIT */
/*
 * Installed-tree consumer: uses only <vrq/vrq.h> from the install prefix
 * and one library function.  Built by find_package(vrq) (static and shared
 * flavours) and by pkg-config --cflags --libs vrq.
 */
#include <vrq/vrq.h>

#include <stdio.h>

int main(void)
{
	const char *msg = vrq_strerror(-1);

	if (!msg || !*msg)
		return 1;
	printf("consumer: vrq_strerror(-1) = \"%s\"\n", msg);
	return 0;
}
