/* dart_profiles.h - profiles, preferences and effective settings for a DART bundle. */
#pragma once

struct dart_bundle;

/* Adds profiles/DIR/NAME.xml, preferences and profiles/effective.txt (or notes). */
void dart_profiles_collect(struct dart_bundle *b);
