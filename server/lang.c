/*
 * A small language guesser for visitor messages.
 *
 * The browser's locale says what the visitor's computer speaks, not what they
 * typed: a Ukrainian visitor on an English laptop writes Ukrainian. The bot
 * answers in the language of the message when it can tell, and falls back to
 * the locale when it can't. It tells by letters only one language uses (ө ү for
 * Mongolian, і ї є ґ for Ukrainian, ŵ ŷ for Welsh) and by the short function
 * words every sentence has ("як", "sut", "ang", "the"). It only answers when one
 * language clearly leads; a tie or silence is "don't know" (NULL).
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>
#include "parley/common.h"
#include "parley/lang.h"

struct lang {
    const char *code;
    const wchar_t *letters;      /* letters of this language alone: strong evidence */
    const char *const *words;    /* frequent short words, lower case */
};

static const char *const en_words[] = {"the", "is", "my", "how", "what", "when", "where", "do",
    "does", "can", "you", "your", "are", "i", "to", "of", "it", "and", "have", "with", NULL};
static const char *const uk_words[] = {"як", "що", "де", "чи", "мій", "моє", "моя", "мені",
    "ви", "я", "не", "це", "коли", "скільки", "можна", "у", "в", "на", "є", "ваш", NULL};
static const char *const ru_words[] = {"как", "что", "где", "мой", "моя", "мне", "вы", "это",
    "когда", "сколько", "можно", "есть", "ваш", NULL};
static const char *const mn_words[] = {"вэ", "уу", "юу", "бэ", "байна", "хэд", "миний", "та",
    "би", "энэ", "яаж", "хэзээ", "хаана", "болох", "вэ?", "надад", "танай", NULL};
static const char *const cy_words[] = {"sut", "mae", "ydw", "ydy", "yw", "beth", "pryd", "faint",
    "dw", "fy", "eich", "chi", "gyda", "oes", "alla", "ga", "y", "yr", "i'n", "ydych", "gallaf", NULL};
static const char *const tl_words[] = {"ang", "ng", "mga", "po", "ba", "ko", "ako", "paano", "saan",
    "kailan", "magkano", "ninyo", "niyo", "kayo", "sa", "may", "yung", "ito", "pwede", "puwede", NULL};

static const struct lang langs[] = {
    {"en", L"", en_words},
    {"uk", L"іїєґ", uk_words},
    {"ru", L"", ru_words},          /* ы э ъ ё are Mongolian letters too */
    {"mn", L"өү", mn_words},
    {"cy", L"ŵŷ", cy_words},
    {"tl", L"", tl_words},
};

#define N_LANGS (sizeof(langs) / sizeof(langs[0]))
#define WORD_MAX 32

static locale_t utf8(void)
{
    static locale_t loc;
    if (!loc)
        loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    return loc;
}

static void score_word(const char *w, int *score)
{
    for (size_t l = 0; l < N_LANGS; l++)
        for (const char *const *p = langs[l].words; *p; p++)
            if (!strcmp(*p, w)) {
                score[l] += 2;
                break;
            }
}

static void score_letter(wchar_t c, int *score)
{
    for (size_t l = 0; l < N_LANGS; l++)
        if (wcschr(langs[l].letters, c) && c)
            score[l] += 3;
}

static const char *guess(const char *text, locale_t loc);

const char *lang_guess(const char *text)
{
    locale_t loc = utf8();
    if (!text || !loc)
        return NULL;
    /* mbrtowc/wcrtomb follow the thread's locale: UTF-8 for the duration. */
    locale_t old = uselocale(loc);
    const char *g = guess(text, loc);
    uselocale(old);
    return g;
}

static const char *guess(const char *text, locale_t loc)
{
    int score[N_LANGS] = {0};
    char word[WORD_MAX * 4 + 1];
    size_t wlen = 0;
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    const char *p = text, *end = text + strlen(text);
    for (;;) {
        wchar_t c = 0;
        size_t n = p < end ? mbrtowc(&c, p, (size_t)(end - p), &st) : 0;
        if (n == (size_t)-1 || n == (size_t)-2) {
            memset(&st, 0, sizeof(st));
            n = 1;
            c = L' ';
        }
        int letter = p < end && (iswalpha_l((wint_t)c, loc) || c == L'\'' || c == L'\u2019');
        if (letter) {
            c = (wchar_t)towlower_l((wint_t)c, loc);
            score_letter(c, score);
            char mb[8];
            mbstate_t o;
            memset(&o, 0, sizeof(o));
            size_t k = wcrtomb(mb, c == L'\u2019' ? L'\'' : c, &o);
            if (k != (size_t)-1 && wlen + k < sizeof(word)) {
                memcpy(word + wlen, mb, k);
                wlen += k;
            }
        } else if (wlen) {
            word[wlen] = '\0';
            score_word(word, score);
            wlen = 0;
        }
        if (p >= end)
            break;
        p += n ? n : 1;
    }
    size_t best = 0, second = N_LANGS;
    for (size_t l = 1; l < N_LANGS; l++)
        if (score[l] > score[best]) {
            second = best;
            best = l;
        } else if (second == N_LANGS || score[l] > score[second]) {
            second = l;
        }
    if (score[best] < 2 || (second < N_LANGS && score[second] * 2 > score[best]))
        return NULL;                  /* nothing, or no clear leader */
    return langs[best].code;
}
