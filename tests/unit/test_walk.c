/* test_walk.c - coordinator/walk.c against what SimpleDirectoryReader gave
 * (tests/data/fidelity/walk.json, from tests/tools/gen_fidelity_fixtures.py):
 * the test builds the same tree in a fresh temporary folder, makes it the
 * working directory, walks each case's arguments and compares paths, ids,
 * order and the "No files found" error.  Plus pathlib's spelling and order. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "t.h"
#include "walk.h"

static char T[PATH_MAX];

/* s with "{T}" replaced by the temporary folder (malloc'd). */
static char *subst(const char *s)
{
    const char *m = strstr(s, "{T}");
    char *r = malloc(strlen(s) + strlen(T) + 1);
    if (!m) return strcpy(r, s);
    sprintf(r, "%.*s%s%s", (int)(m - s), s, T, m + 3);
    return r;
}

static void mkparents(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
}

static void build(json_t *tree)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(tree, "files"), i, v) {
        const char *f = json_string_value(v);
        mkparents(f);
        FILE *fp = fopen(f, "w");
        CHECK(fp != NULL);
        if (fp) fprintf(fp, "%s\n", f), fclose(fp);
    }
    json_array_foreach(json_object_get(tree, "links"), i, v)
        CHECK(symlink(json_string_value(json_array_get(v, 1)),
                      json_string_value(json_array_get(v, 0))) == 0);
}

static void run_case(json_t *c)
{
    json_t *args = json_object_get(c, "args"), *dir = json_object_get(args, "input_dir");
    json_t *files = json_object_get(args, "input_files"), *exts = json_object_get(args, "required_exts");
    char *paths[16];
    size_t np = 0, i;
    json_t *v;
    if (dir) paths[np++] = subst(json_string_value(dir));
    json_array_foreach(files, i, v) if (np < 16) paths[np++] = subst(json_string_value(v));
    char ext[256] = "";
    json_array_foreach(exts, i, v) {
        if (i) strcat(ext, ",");
        strncat(ext, json_string_value(v), 100);
    }
    walk_opts o = {json_is_true(json_object_get(args, "recursive")), exts ? ext : NULL};
    walk_list l;
    char err[512] = "";
    int rc = walk_paths(paths, np, &o, &l, err, sizeof err);
    json_t *want = json_object_get(c, "want");
    char *case_s = json_dumps(args, JSON_COMPACT);
    if (!want) {
        char *we = subst(json_string_value(json_object_get(c, "error")));
        CHECK(rc == ERR_NOTFOUND);
        CHECK_STR(err, we);
        free(we);
    } else {
        int ok = rc == 0 && l.n == json_array_size(want);
        CHECK(ok);
        for (i = 0; ok && i < l.n; i++) {
            char *id = subst(json_string_value(json_array_get(json_array_get(want, i), 0)));
            char *fp = subst(json_string_value(json_array_get(json_array_get(want, i), 1)));
            CHECK_STR(l.v[i].id, id);
            CHECK_STR(l.v[i].path, fp);
            free(id);
            free(fp);
        }
        if (!ok) fprintf(stderr, "case %s: rc %d (%s), %zu files\n", case_s, rc, err, rc ? 0 : l.n);
        if (!rc) walk_list_free(&l);
    }
    free(case_s);
    for (i = 0; i < np; i++) free(paths[i]);
}

static void test_pathlib(void)
{
    static const char *const cases[][2] = {
        {"a", "a"}, {"./a//b/", "a/b"}, {"a/./b/../c", "a/b/../c"}, {".", "."}, {"", "."},
        {"/", "/"}, {"//x", "//x"}, {"///x/", "/x"}, {"./", "."}, {"a/.hid", "a/.hid"}};
    char out[PATH_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        CHECK(walk_pathlib_norm(cases[i][0], out, sizeof out) == 0);
        CHECK_STR(out, cases[i][1]);
    }
    CHECK(walk_pathlib_norm("abcdef", out, 4) == ERR_TOOBIG);
    /* part by part, not the whole string: a/x < a-b/y < a.txt */
    CHECK(walk_path_cmp("/r/a/x.txt", "/r/a-b/y.txt") < 0);
    CHECK(walk_path_cmp("/r/a-b/y.txt", "/r/a.txt") < 0);
    CHECK(walk_path_cmp("/r/a", "/r/a/b") < 0);
    CHECK(walk_path_cmp("/r/A.TXT", "/r/a") < 0);
    CHECK(walk_path_cmp("/r/x", "/r/x") == 0);
}

int main(int argc, char **argv)
{
    test_pathlib();
    if (argc < 2) {
        fprintf(stderr, "usage: test_walk walk.json\n");
        return 2;
    }
    json_error_t je;
    json_t *fx = json_load_file(argv[1], 0, &je);
    CHECK(fx != NULL);
    if (!fx) return t_done();
    char tmpl[] = "/tmp/test_walk.XXXXXX";
    CHECK(mkdtemp(tmpl) != NULL);
    CHECK(realpath(tmpl, T) != NULL);
    CHECK(chdir(T) == 0);
    build(json_object_get(fx, "tree"));
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(fx, "cases"), i, c) run_case(c);
    json_decref(fx);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", T);
    CHECK(chdir("/") == 0 && system(cmd) == 0);
    return t_done();
}
