/*
 * testutil.h - the includes every cmocka unit test needs, in the order
 * cmocka requires them.
 */
#ifndef CAUCUS_TESTUTIL_H
#define CAUCUS_TESTUTIL_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#endif
