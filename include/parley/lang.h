/*
 * Guessing the language a visitor wrote in (see lang.c for how and why).
 */
#ifndef PARLEY_LANG_H
#define PARLEY_LANG_H

/* "en", "uk", "ru", "mn", "cy" or "tl" when one clearly leads, else NULL. */
const char *lang_guess(const char *text);

#endif
