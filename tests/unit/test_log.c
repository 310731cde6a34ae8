/* test_log.c - log.c: levels filter lines, logfmt and JSON renderings of
 * the same event (JSON parsed back with jansson). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "t.h"

static char *capture(void (*fn)(void))
{
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    dup2(fileno(tmp), 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    long n = ftell(tmp);
    char *s = calloc(1, (size_t)n + 1);
    rewind(tmp);
    if (fread(s, 1, (size_t)n, tmp) != (size_t)n) s[0] = '\0';
    fclose(tmp);
    return s;
}

static void emit(void)
{
    char q[64];
    log_kv("debug", "dbg", "x=1");
    log_kv("info", "batch_done", "worker=w-1 job=J ref=J:3 nodes=31 ms=1.5 msg=%s",
           log_quote("say \"hi\"\tthere", q, sizeof q));
    log_kv("error", "boom", "code=-5");
}

int main(void)
{
    CHECK(log_set_level("nope") == ERR_INVAL);
    CHECK(log_set_format("xml") == ERR_INVAL);
    char *s = capture(emit);
    CHECK(!strstr(s, "event=dbg"));
    CHECK(strstr(s, "level=info event=batch_done worker=w-1 job=J ref=J:3 nodes=31") != NULL);
    CHECK(strstr(s, "msg=\"say \\\"hi\\\" there\"") != NULL);
    free(s);

    CHECK(log_set_level("warn") == 0);
    CHECK(!log_enabled("info") && log_enabled("error"));
    s = capture(emit);
    CHECK(!strstr(s, "batch_done") && strstr(s, "event=boom"));
    free(s);

    CHECK(log_set_level("debug") == 0 && log_set_format("json") == 0);
    s = capture(emit);
    int lines = 0;
    for (char *l = strtok(s, "\n"); l; l = strtok(NULL, "\n"), lines++) {
        json_error_t je;
        json_t *o = json_loads(l, 0, &je);
        CHECK(o != NULL);
        if (!o) continue;
        const char *ev = json_string_value(json_object_get(o, "event"));
        CHECK(ev && json_is_string(json_object_get(o, "ts")));
        if (ev && !strcmp(ev, "batch_done")) {
            CHECK_STR(json_string_value(json_object_get(o, "worker")), "w-1");
            CHECK_STR(json_string_value(json_object_get(o, "ref")), "J:3");
            CHECK(json_integer_value(json_object_get(o, "nodes")) == 31);
            CHECK(json_real_value(json_object_get(o, "ms")) == 1.5);
            CHECK_STR(json_string_value(json_object_get(o, "msg")), "say \"hi\" there");
        }
        if (ev && !strcmp(ev, "boom")) CHECK(json_integer_value(json_object_get(o, "code")) == -5);
        json_decref(o);
    }
    CHECK(lines == 3);
    free(s);
    return t_done();
}
