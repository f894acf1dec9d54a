/*
 * conf_test_util.h: what the domain definition and native format tests
 * share: the example files, and libvirt's installed domain schema.
 */
#pragma once

#include <stdbool.h>

/* The text of examples/xml/NAME; aborts the test when it cannot be read. */
char *confTestReadExample(const char *name);

/* Does @xml validate against libvirt's installed domain.rng? */
bool confTestValidatesAgainstSchema(const char *xml);
