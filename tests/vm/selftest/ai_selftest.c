// SPDX-License-Identifier: GPL-2.0
/*
 * ai_selftest: a module that misbehaves on request, so that the VM harness
 * can prove it notices. Never loaded outside tests/vm/selftest.sh.
 */
#include <linux/bug.h>
#include <linux/module.h>

static char *fault = "none";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "none, warn, bug or fail_init");

static int __init ai_selftest_init(void)
{
	if (!strcmp(fault, "warn"))
		WARN(1, "ai_selftest: deliberate warning\n");
	else if (!strcmp(fault, "bug"))
		BUG();
	else if (!strcmp(fault, "fail_init"))
		return -ENODEV;
	return 0;
}

module_init(ai_selftest_init);
/* No module_exit on purpose: rmmod must fail, and the harness must say so. */
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Deliberately faulty module for the test harness self-test");
