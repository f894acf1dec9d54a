/*
 * The macros libvirt's internal headers test, standing in for the config.h
 * that libvirt's own build generates.  None of them changes a struct layout
 * in the libvirt versions this driver supports; they only select which inline
 * helpers the headers define, so they must match how libvirt itself was built.
 */
#pragma once

#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif
#define PACKAGE "libvirt"
#define GLIB_VERSION_MIN_REQUIRED GLIB_VERSION_2_56
#define GLIB_VERSION_MAX_ALLOWED GLIB_VERSION_2_56
#define WITH_GETUID 1
#define WITH_GETEUID 1
#define WITH_GETGID 1
#define WITH_GETEGID 1
#define WITH_NET_IF_H 1
#define WITH_STRUCT_IFREQ 1
#define WITH_LIBINTL_H 1
#define STATIC_ANALYSIS 0
#define WITH_DTRACE_PROBES 0
