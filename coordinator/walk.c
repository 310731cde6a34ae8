/* walk.c - directory walk for `submit`, as SimpleDirectoryReader (see walk.h).
 * Owns the strings in the list; on error the list is freed.  The rules come
 * from llama_index/core/readers/file/base.py (_add_files, is_hidden) and
 * fsspec's LocalFileSystem (make_path_posix), checked against the real
 * thing in tests/data/fidelity/walk.json (tests/unit/test_walk.c). */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

int walk_pathlib_norm(const char *p, char *out, size_t outlen)
{
    size_t o = 0;
    /* POSIX: exactly two leading slashes are kept, one for one or 3+ */
    size_t lead = strspn(p, "/");
    const char *root = lead == 2 ? "//" : lead ? "/" : "";
    size_t rl = strlen(root);
    if (rl >= outlen) return ERR_TOOBIG;
    memcpy(out, root, rl);
    o = rl;
    for (const char *s = p + lead; *s;) {
        size_t n = strcspn(s, "/");
        if (n && !(n == 1 && s[0] == '.')) {
            int sep = o > rl;
            if (o + sep + n >= outlen) return ERR_TOOBIG;
            if (sep) out[o++] = '/';
            memcpy(out + o, s, n);
            o += n;
        }
        s += n;
        s += strspn(s, "/");
    }
    if (!o) {
        if (outlen < 2) return ERR_TOOBIG;
        out[o++] = '.';
    }
    out[o] = '\0';
    return 0;
}

int walk_path_cmp(const char *a, const char *b)
{
    while (*a == '/' && *b == '/') a++, b++; /* roots compare first */
    if ((*a == '/') != (*b == '/')) return *a == '/' ? -1 : 1;
    for (;;) {
        size_t na = strcspn(a, "/"), nb = strcspn(b, "/");
        int c = memcmp(a, b, na < nb ? na : nb);
        if (c) return c;
        if (na != nb) return na < nb ? -1 : 1;
        a += na;
        b += nb;
        if (!*a || !*b) return !*a && !*b ? 0 : !*a ? -1 : 1;
        a++, b++;
    }
}

/* pathlib's Path.suffix: from the last dot of the name, "" for "a", ".a", "a.". */
static const char *suffix(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && dot != name && dot[1] ? dot : "";
}

/* --ext items compared without their leading dot ("txt" is ".txt"). */
static int ext_ok(const char *name, const char *exts)
{
    if (!exts || !*exts) return 1;
    const char *sfx = suffix(name);
    size_t sl = strlen(sfx);
    for (const char *p = exts; sl && *p;) {
        size_t n = strcspn(p, ",");
        const char *w = p + (*p == '.');
        size_t wl = n - (size_t)(w - p);
        if (wl == sl - 1 && !memcmp(w, sfx + 1, wl)) return 1;
        p += n;
        p += *p == ',';
    }
    return 0;
}

/* Any part starting with '.' other than "." and "..". */
static int is_hidden(const char *path)
{
    for (const char *s = path; *s;) {
        s += strspn(s, "/");
        size_t n = strcspn(s, "/");
        if (n && s[0] == '.' && !(n == 1 || (n == 2 && s[1] == '.'))) return 1;
        s += n;
    }
    return 0;
}

static int add(walk_list *l, const char *path)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 64;
        walk_file *nv = realloc(l->v, ncap * sizeof *nv);
        if (!nv) return ERR_NOMEM;
        l->v = nv;
        l->cap = ncap;
    }
    walk_file *f = &l->v[l->n];
    f->path = strdup(path);
    f->id = strdup(path);
    if (!f->path || !f->id) {
        free(f->path);
        free(f->id);
        return ERR_NOMEM;
    }
    l->n++;
    return 0;
}

/* Walks dir; names starting with '.' are skipped (their paths are hidden). */
static int walk_dir(const char *dir, const walk_opts *o, walk_list *out, char *err, size_t el,
                    int depth)
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
        char path[PATH_MAX];
        struct stat st;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
        if (stat(path, &st)) continue; /* vanished or dangling link */
        if (S_ISDIR(st.st_mode)) {
            if (o->recursive) rc = walk_dir(path, o, out, err, el, depth + 1);
        } else if (S_ISREG(st.st_mode) && ext_ok(e->d_name, o->exts)) {
            rc = add(out, path);
        }
    }
    closedir(d);
    return rc;
}

static int cmp_path(const void *a, const void *b)
{
    return walk_path_cmp(((const walk_file *)a)->path, ((const walk_file *)b)->path);
}

static int check_unique(walk_list *l, char *err, size_t el)
{
    walk_file *tmp = malloc((l->n ? l->n : 1) * sizeof *tmp);
    if (!tmp) return ERR_NOMEM;
    memcpy(tmp, l->v, l->n * sizeof *tmp);
    qsort(tmp, l->n, sizeof *tmp, cmp_path);
    int rc = 0;
    for (size_t i = 1; i < l->n && !rc; i++)
        if (!strcmp(tmp[i].id, tmp[i - 1].id)) {
            snprintf(err, el, "'%s' is given twice (document ids must be unique)", tmp[i].id);
            rc = ERR_INVAL;
        }
    free(tmp);
    return rc;
}

/* A directory root: cwd-prefixed as fsspec does, then its files sorted. */
static int walk_root(const char *norm, const walk_opts *o, walk_list *out, char *err, size_t el)
{
    char cwd[PATH_MAX], joined[PATH_MAX * 2], base[PATH_MAX];
    if (norm[0] == '/') {
        snprintf(joined, sizeof joined, "%s", norm);
    } else if (!getcwd(cwd, sizeof cwd)) {
        snprintf(err, el, "cannot get the working directory: %s", strerror(errno));
        return ERR_IO;
    } else {
        snprintf(joined, sizeof joined, "%s/%s", cwd, norm);
    }
    if (walk_pathlib_norm(joined, base, sizeof base)) {
        snprintf(err, el, "%s: path too long", norm);
        return ERR_INVAL;
    }
    size_t first = out->n;
    int rc = is_hidden(base) ? 0 : walk_dir(base, o, out, err, el, 0);
    if (rc) return rc;
    if (out->n == first) {
        snprintf(err, el, "No files found in %s.", norm);
        return ERR_NOTFOUND;
    }
    qsort(out->v + first, out->n - first, sizeof *out->v, cmp_path);
    return 0;
}

static int walk_one(const char *arg, const walk_opts *o, walk_list *out, char *err, size_t el)
{
    char norm[PATH_MAX];
    struct stat st;
    if (walk_pathlib_norm(arg, norm, sizeof norm)) {
        snprintf(err, el, "%.200s...: path too long", arg);
        return ERR_INVAL;
    }
    if (stat(norm, &st)) {
        snprintf(err, el, "%s: %s", arg, strerror(errno));
        return ERR_NOTFOUND;
    }
    if (S_ISDIR(st.st_mode)) return walk_root(norm, o, out, err, el);
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, el, "%s: not a regular file or directory", arg);
        return ERR_INVAL;
    }
    return add(out, norm);
}

int walk_paths(char *const *paths, size_t npaths, const walk_opts *o, walk_list *out, char *err,
               size_t errlen)
{
    memset(out, 0, sizeof *out);
    int rc = 0;
    for (size_t i = 0; !rc && i < npaths; i++) rc = walk_one(paths[i], o, out, err, errlen);
    if (!rc) rc = check_unique(out, err, errlen);
    if (rc) walk_list_free(out);
    return rc;
}

void walk_list_free(walk_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].id);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}
