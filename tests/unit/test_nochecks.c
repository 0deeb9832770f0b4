// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TEST_END() after no check at all: must report a failure (registered with should_fail), since a
 * test that checked nothing proves nothing.
 */
#include "tests/testutil.h"

int main(void)
{
	return TEST_END();
}
