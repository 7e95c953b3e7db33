/*
 * winzones.h - the CLDR table of Windows time zone names ("W. Europe
 * Standard Time") to IANA names ("Europe/Berlin"), for calendar feeds
 * written by Exchange and Outlook.
 */
#ifndef CAUCUS_WINZONES_H
#define CAUCUS_WINZONES_H

/* The IANA zone for a Windows zone name (case-insensitive), or NULL.  The
 * answer is static. */
const char *winzone_to_iana(const char *windows_name);

#endif
