/*
 * fuzz_common.h: what every fuzz target sets up once: libvirt, the PV
 * domain XML option, and silence for the errors that bad input is meant to
 * cause (a fuzz target reports failures by aborting, not by printing).
 */
#pragma once

#include "internal.h"
#include "domain_conf.h"

/* Aborts when libvirt or the XML option cannot be set up.  @forConversion:
 * the option the xm/xl conversions use (what PV can be), else the driver's
 * (what it also runs). */
virDomainXMLOption *fuzzSetup(bool forConversion);
