/* bench_reader.c - runs reader_load over files, as workers would, and
 * reports what it read and how fast.
 *
 *   bench_reader [-j N] [--inproc] [--dump] FILE...
 *
 * -j N      N processes taking files from a shared queue (default 1)
 * --inproc  parse PDFs in-process (pdf_isolate=0) instead of a child
 * --dump    print each Document (id, metadata, text) instead of figures
 * --md      with --dump: print MarkdownNodeParser's nodes of each Document
 * --json    print one JSON line per file: {"file", "error", "texts", "labels"}
 *           (the PDF comparer's input, tests/tools/compare_pypdf.py)
 * --poppler PDF text from poppler (reader option pdf_text="poppler")
 * Output: one key=value line: files, errors, docs, chars (code points),
 * bytes_in, seconds, mb_per_s (input MB/s), peak_rss_kb (largest process,
 * PDF children included). */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mdparse.h"
#include "mime.h"
#include "reader.h"
#include "utf8.h"

typedef struct tally {
    long files, errors, docs;
    long long chars, bytes;
} tally;

static int read_all(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    struct stat st;
    fstat(fileno(f), &st);
    *data = malloc((size_t)st.st_size + 1);
    *len = *data ? fread(*data, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    return *data ? 0 : -1;
}

static void dump(const node_list *docs)
{
    for (size_t i = 0; i < docs->n; i++) {
        const node_t *d = docs->v[i];
        printf("=== id=%s\n", d->id);
        for (size_t k = 0; k < d->md.n; k++) {
            buf_t v;
            buf_init(&v, 0);
            md_value_str(&d->md.v[k], &v);
            printf("%s: %s\n", d->md.v[k].key, v.p ? v.p : "");
            buf_free(&v);
        }
        printf("---\n%s\n", d->text);
    }
}

static void dump_json(const char *file, int rc, const char *eb, const node_list *docs)
{
    json_t *texts = json_array(), *labels = json_array();
    for (size_t i = 0; i < docs->n; i++) {
        json_array_append_new(texts, json_stringn(docs->v[i]->text, docs->v[i]->text_len));
        const md_item *it = md_get(&docs->v[i]->md, "page_label");
        const char *l = it && it->type == MD_STR ? it->s : NULL;
        json_array_append_new(labels, l ? json_string(l) : json_null());
    }
    json_t *o = json_pack("{s:s, s:o, s:o, s:o}", "file", file, "error",
                          rc ? json_string(eb) : json_null(), "texts", texts, "labels", labels);
    char *line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (line) printf("%s\n", line);
    free(line);
    json_decref(o);
}

/* Takes file indices from the queue pipe until it is empty. */
static void run(char **files, int queue, const reader_opts *o, int show, tally *t)
{
    int32_t i;
    while (read(queue, &i, sizeof i) == sizeof i) {
        uint8_t *data;
        size_t len;
        t->files++;
        if (read_all(files[i], &data, &len)) {
            t->errors++;
            continue;
        }
        const char *base = strrchr(files[i], '/');
        base = base ? base + 1 : files[i];
        char *mime = (char *)mime_guess(base);
        wire_doc f = {.id = files[i], .path = files[i], .name = (char *)base, .mime = mime,
                      .size = (int64_t)len, .data = data, .len = len};
        node_list docs = {0};
        char eb[256];
        int rc = reader_load(&f, o, &docs, eb, sizeof eb);
        if (rc) {
            t->errors++;
            fprintf(stderr, "event=read_error file=%s code=%d msg=\"%s\"\n", files[i], rc, eb);
        }
        t->bytes += (long long)len;
        t->docs += (long)docs.n;
        for (size_t k = 0; k < docs.n; k++) t->chars += (long long)utf8_count(docs.v[k]->text, docs.v[k]->text_len);
        if (show == 3) {
            dump_json(files[i], rc, eb, &docs);
        } else if (show == 2) {
            node_list nodes = {0};
            for (size_t k = 0; k < docs.n; k++) mdparse_doc(docs.v[k], "/", 1, 1, &nodes);
            dump(&nodes);
            node_list_free(&nodes);
        } else if (show) {
            dump(&docs);
        }
        node_list_free(&docs);
        free(data);
    }
}

int main(int argc, char **argv)
{
    reader_opts o;
    reader_opts_default(&o);
    int nproc = 1, show = 0, i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-j") && i + 1 < argc) nproc = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--inproc")) o.pdf_isolate = 0;
        else if (!strcmp(argv[i], "--dump")) show = show ? show : 1;
        else if (!strcmp(argv[i], "--md")) show = 2;
        else if (!strcmp(argv[i], "--html")) o.html_text = 1;
        else if (!strcmp(argv[i], "--json")) show = 3;
        else if (!strcmp(argv[i], "--poppler")) o.pdf_text = READER_PDF_POPPLER;
        else {
            fprintf(stderr, "usage: bench_reader [-j N] [--inproc] [--dump] [--md] [--html] [--json] [--poppler] FILE...\n");
            return 2;
        }
    }
    if (nproc < 1) nproc = 1;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    tally total = {0};
    int pfd[2], q[2];
    if (pipe(pfd) || pipe(q)) return 1;
    for (int j = 0; j < nproc; j++) {
        if (fork() == 0) {
            tally t = {0};
            close(q[1]);
            run(argv + i, q[0], &o, show, &t);
            fflush(stdout);
            if (write(pfd[1], &t, sizeof t) != sizeof t) _exit(1);
            _exit(0);
        }
    }
    close(pfd[1]);
    for (int32_t k = 0; k < argc - i; k++) /* the queue: file indices */
        if (write(q[1], &k, sizeof k) != sizeof k) return 1;
    close(q[1]);
    tally t;
    while (read(pfd[0], &t, sizeof t) == sizeof t) {
        total.files += t.files, total.errors += t.errors, total.docs += t.docs;
        total.chars += t.chars, total.bytes += t.bytes;
    }
    while (wait(NULL) > 0) {}
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    if (!show)
        printf("procs=%d files=%ld errors=%ld docs=%ld chars=%lld bytes_in=%lld seconds=%.3f "
               "mb_per_s=%.2f peak_rss_kb=%ld\n",
               nproc, total.files, total.errors, total.docs, total.chars, total.bytes, secs,
               (double)total.bytes / 1e6 / secs, ru.ru_maxrss);
    return total.errors ? 1 : 0;
}
