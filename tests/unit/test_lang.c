/* The language guesser: letters and function words decide; unclear is NULL. */
#include <string.h>
#include "parley/lang.h"
#include "testlib.h"

static void is(const char *text, const char *want)
{
    const char *got = lang_guess(text);
    if (want)
        CHECK_STR(got, want);
    else
        CHECK(got == NULL);
    if ((want && (!got || strcmp(got, want))) || (!want && got))
        fprintf(stderr, "  for \"%s\"\n", text);
}

int main(void)
{
    is("How do I return an item?", "en");
    is("Where is my order?", "en");
    is("Як повернути товар?", "uk");
    is("ДЕ МОЄ ЗАМОВЛЕННЯ?", "uk");
    is("Коли ви працюєте?", "uk");
    is("Хүргэлт хэд хоног болох вэ?", "mn");
    is("Миний захиалга хаана байна?", "mn");
    is("Sut ydw i'n dychwelyd eitem?", "cy");
    is("Pryd mae'r siop ar agor?", "cy");
    is("Paano ko ibabalik ang item?", "tl");
    is("Magkano po ang shipping?", "tl");
    is("Где мой заказ?", "ru");
    is("", NULL);
    is("1234", NULL);
    is("ok", NULL);
    is(NULL, NULL);
    is("\xff\xfe broken \xc3", NULL);
    return test_summary("test_lang");
}
