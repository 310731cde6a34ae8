/* walk.c - directory walk for `submit` (see walk.h).  Owns the strings in
 * the list; on error the list is freed. */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "err.h"

static int ext_ok(const char *name, const char *exts)
{
    if (!exts || !*exts) return 1;
    const char *dot = strrchr(name, '.');
    if (!dot) return 0;
    size_t dl = strlen(dot);
    for (const char *p = exts; *p;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (n == dl && !strncasecmp(p, dot, n)) return 1;
        if (n + 1 == dl && !strncasecmp(p, dot + 1, n)) return 1; /* "txt" also accepted */
        p += n + (c ? 1 : 0);
    }
    return 0;
}

static int add(walk_list *l, const char *abs, const char *id)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 64;
        walk_file *nv = realloc(l->v, ncap * sizeof *nv);
        if (!nv) return ERR_NOMEM;
        l->v = nv;
        l->cap = ncap;
    }
    walk_file *f = &l->v[l->n];
    f->abs = strdup(abs);
    f->id = strdup(id);
    if (!f->abs || !f->id) {
        free(f->abs);
        free(f->id);
        return ERR_NOMEM;
    }
    l->n++;
    return 0;
}

/* Walks dir (absolute) whose id prefix is rel ("" at the root). */
static int walk_dir(const char *dir, const char *rel, const walk_opts *o, walk_list *out,
                    char *err, size_t el, int depth)
{
    if (depth > 64) return 0; /* symlink loops */
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, el, "cannot read directory %s: %s", dir, strerror(errno));
        return ERR_IO;
    }
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue; /* hidden, ".", ".." */
        char abs[PATH_MAX], id[PATH_MAX];
        struct stat st;
        if (snprintf(abs, sizeof abs, "%s/%s", dir, e->d_name) >= (int)sizeof abs) continue;
        snprintf(id, sizeof id, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        if (stat(abs, &st)) continue; /* vanished or dangling link */
        if (S_ISDIR(st.st_mode)) {
            if (o->recursive) rc = walk_dir(abs, id, o, out, err, el, depth + 1);
        } else if (S_ISREG(st.st_mode) && ext_ok(e->d_name, o->exts)) {
            rc = add(out, abs, id);
        }
    }
    closedir(d);
    return rc;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const walk_file *)a)->abs, ((const walk_file *)b)->abs);
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(((const walk_file *)a)->id, ((const walk_file *)b)->id);
}

static int check_unique(walk_list *l, char *err, size_t el)
{
    walk_file *tmp = malloc((l->n ? l->n : 1) * sizeof *tmp);
    if (!tmp) return ERR_NOMEM;
    memcpy(tmp, l->v, l->n * sizeof *tmp);
    qsort(tmp, l->n, sizeof *tmp, cmp_id);
    int rc = 0;
    for (size_t i = 1; i < l->n && !rc; i++)
        if (!strcmp(tmp[i].id, tmp[i - 1].id)) {
            snprintf(err, el, "two files have the same document id '%s' (%s and %s); submit "
                              "those roots as separate jobs", tmp[i].id, tmp[i - 1].abs, tmp[i].abs);
            rc = ERR_INVAL;
        }
    free(tmp);
    return rc;
}

static int walk_one(const char *path, const walk_opts *o, walk_list *out, char *err, size_t el)
{
    char abs[PATH_MAX];
    struct stat st;
    if (!realpath(path, abs) || stat(abs, &st)) {
        snprintf(err, el, "%s: %s", path, strerror(errno));
        return ERR_NOTFOUND;
    }
    if (S_ISDIR(st.st_mode)) return walk_dir(abs, "", o, out, err, el, 0);
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, el, "%s: not a regular file or directory", path);
        return ERR_INVAL;
    }
    const char *base = strrchr(abs, '/');
    return add(out, abs, base ? base + 1 : abs);
}

int walk_paths(char *const *paths, size_t npaths, const walk_opts *o, walk_list *out, char *err,
               size_t errlen)
{
    memset(out, 0, sizeof *out);
    int rc = 0;
    for (size_t i = 0; !rc && i < npaths; i++) rc = walk_one(paths[i], o, out, err, errlen);
    if (!rc) {
        qsort(out->v, out->n, sizeof *out->v, cmp_file);
        rc = check_unique(out, err, errlen);
    }
    if (rc) walk_list_free(out);
    return rc;
}

void walk_list_free(walk_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].abs);
        free(l->v[i].id);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}
