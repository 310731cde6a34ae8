/* test_punkt.c - untrained Punkt (punkt.h) and Python character classes
 * (pyuni.h): hand-made cases plus tests/data/split/punkt_cases.jsonl, whose
 * spans come from nltk 3.8 itself (tests/tools/punkt_ref.py).
 * usage: test_punkt DATA_DIR */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "punkt.h"
#include "pyuni.h"
#include "t.h"
#include "t_jsonl.h"

static size_t cps(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

/* "start-end start-end ..." of text's spans, in bytes. */
static const char *spans_of(const char *text)
{
    static char out[512];
    punkt_spans sp = {0};
    out[0] = '\0';
    if (punkt_span_tokenize(text, strlen(text), &sp)) return "ENOMEM";
    for (size_t i = 0; i < sp.n; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%zu-%zu", i ? " " : "", sp.v[i].start,
                 sp.v[i].end);
    punkt_spans_free(&sp);
    return out;
}

static void hand_cases(void)
{
    CHECK_STR(spans_of(""), "");
    CHECK_STR(spans_of("  \n "), "");
    CHECK_STR(spans_of("Hello."), "0-6");
    CHECK_STR(spans_of("Hello. World.  "), "0-6 7-13");
    /* no abbreviations are known: "Inc. and" is a break */
    CHECK_STR(spans_of("Acme Inc. and others."), "0-9 10-21");
    /* an initial or a number before a lower-case word is not a break */
    CHECK_STR(spans_of("J. smith came. Item 3. next one."), "0-14 15-32");
    /* an initial before an upper-case word is not a break; a number is */
    CHECK_STR(spans_of("J. Smith came. Item 3. Next one."), "0-14 15-22 23-32");
    /* closing brackets and quotes move back to the previous sentence */
    CHECK_STR(spans_of("(Sent one.) Sent two."), "0-11 12-21");
    CHECK_STR(spans_of("He said \"Stop.\" Then left."), "0-15 16-26");
    /* ? and ! break; a run of them is one mark */
    CHECK_STR(spans_of("Wait!!! What? Yes"), "0-7 8-13 14-17");
    /* an ellipsis is not a break, a period-final token after it is */
    CHECK_STR(spans_of("So... we went. Done"), "0-14 15-19");
    /* Unicode whitespace separates (offsets are bytes); a mark needs a
     * following token; "b." before "C" is an initial, so no break there */
    CHECK_STR(spans_of("A bc.\xc2\xa0" "C d.\xe3\x80\x80"), "0-5 7-11");
    CHECK_STR(spans_of("A b.\xc2\xa0" "C d.\xe3\x80\x80"), "0-10");
    /* invalid UTF-8 and NUL bytes are characters like others */
    const char bad[] = "Bad \xff\xfe. Next.\0 More. x";
    punkt_spans sp = {0};
    CHECK(punkt_span_tokenize(bad, sizeof bad - 1, &sp) == 0 && sp.n >= 2);
    punkt_spans_free(&sp);
    punkt_spans_free(NULL);
}

static void pyuni_cases(void)
{
    CHECK(pyuni_flags(0x1c) & PYUNI_SPACE);    /* Python's isspace() includes \x1c-\x1f */
    CHECK(pyuni_flags(0x85) & PYUNI_SPACE);
    CHECK(pyuni_flags(0x3000) & PYUNI_SPACE);
    CHECK(!(pyuni_flags(0x200b) & PYUNI_SPACE)); /* zero width space is not */
    CHECK(pyuni_flags('_') == PYUNI_WORD);
    CHECK((pyuni_flags(0x663) & (PYUNI_WORD | PYUNI_DECIMAL)) == (PYUNI_WORD | PYUNI_DECIMAL)); /* ٣ */
    CHECK(!(pyuni_flags(0xb2) & PYUNI_DECIMAL) && (pyuni_flags(0xb2) & PYUNI_WORD));            /* ² */
    CHECK(pyuni_flags(0x24b6) & PYUNI_UPPER); /* Ⓐ: Other_Uppercase */
    CHECK(pyuni_flags(0xaa) & PYUNI_LOWER);   /* ª: Other_Lowercase */
    CHECK(!(pyuni_flags(0x1c5) & (PYUNI_UPPER | PYUNI_LOWER))); /* ǅ titlecase */
    CHECK(pyuni_flags(PYUNI_INVALID) == 0);
    size_t b, e;
    const char *s = "\xc2\xa0 x y\xe3\x80\x80\n";
    pyuni_strip(s, strlen(s), &b, &e);
    CHECK(b == 3 && e == 6);
    CHECK(pyuni_rstrip_len("ab \xff", 4) == 4);
    CHECK(pyuni_rstrip_len("\xc2\x85\xc2\xa0", 4) == 0);
}

static int punkt_case(json_t *o)
{
    json_t *want = json_object_get(o, "spans");
    const char *t = json_string_value(json_object_get(o, "text"));
    size_t len = json_string_length(json_object_get(o, "text"));
    punkt_spans sp = {0};
    int ok = t && !punkt_span_tokenize(t, len, &sp) && sp.n == json_array_size(want);
    for (size_t i = 0; ok && i < sp.n; i++) {
        json_t *w = json_array_get(want, i);
        ok = cps(t, sp.v[i].start) == (size_t)json_integer_value(json_array_get(w, 0)) &&
             cps(t, sp.v[i].end) == (size_t)json_integer_value(json_array_get(w, 1));
    }
    punkt_spans_free(&sp);
    return ok;
}

static void fixture_cases(const char *dir)
{
    CHECK(t_jsonl_each(dir, "punkt_cases.jsonl", punkt_case) >= 100);
}

int main(int argc, char **argv)
{
    hand_cases();
    pyuni_cases();
    fixture_cases(argc > 1 ? argv[1] : "tests/data/split");
    return t_done();
}
