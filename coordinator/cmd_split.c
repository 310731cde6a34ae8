/* cmd_split.c - `ingest-coordinator split` and `tokens`: run the splitter or
 * the tokenizer locally on files, no Redis.
 *
 * Files are read into Documents by the same readers the workers use
 * (reader_load), then split with no metadata, so SentenceSplitter chunks are
 * at most exactly chunk_size tokens (TokenTextSplitter keeps LlamaIndex's
 * 2-token metadata reserve).  Output: one JSON line per Document on stdout;
 * errors: one line per failed file on stderr, and exit status 1 after the
 * other files are done; 2 for usage errors. */
#include <errno.h>
#include <stdint.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "err.h"
#include "hashembed.h"
#include "lijson.h"
#include "nodeparse.h"
#include "reader.h"
#include "spec.h"
#include "split.h"
#include "tok.h"
#include "wire.h"

static const char split_usage[] =
    "usage: ingest-coordinator split [--pipeline FILE | --chunk-size N --chunk-overlap M] FILE...\n"
    "  Splits each file locally, as the pipeline's first parser would, with no\n"
    "  metadata (so chunk sizes are exactly N tokens), and prints one JSON line\n"
    "  per document: {\"doc\": NAME, \"chunks\": [...]}.\n"
    "  --pipeline FILE    pipeline spec JSON; its first parser transformation is used\n"
    "                     (SentenceSplitter, TokenTextSplitter or SentenceWindowNodeParser)\n"
    "  --chunk-size N     SentenceSplitter chunk_size (default 1024)\n"
    "  --chunk-overlap M  SentenceSplitter chunk_overlap (default 20)\n"
    "  --hash-embed DIM   also embed each chunk with HashEmbedding(DIM), the vectors\n"
    "                     not printed (the CPU reference of tests/bench/race.py (f))\n";

static const char tokens_usage[] =
    "usage: ingest-coordinator tokens FILE...\n"
    "  Prints one JSON line per document: {\"doc\": NAME, \"tokens\": N}, the\n"
    "  cl100k_base token count of its text (tiktoken, allowed_special=\"all\").\n";

/* Reads a whole file (at most max bytes); NULL with a message in err. */
static char *slurp(const char *path, size_t max, size_t *len, char *err, size_t el)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, el, "%s", strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    while (b) {
        if (n == cap) {
            char *nb = cap <= max ? realloc(b, cap * 2) : NULL;
            if (!nb) {
                snprintf(err, el, cap > max ? "file larger than %zu bytes" : "out of memory", max);
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f)) {
                snprintf(err, el, "read error");
                free(b);
                b = NULL;
            }
            break;
        }
    }
    if (!b && !err[0]) snprintf(err, el, "out of memory");
    fclose(f);
    *len = n;
    return b;
}

/* The file's Documents, as a worker's reader would make them. */
static int load_docs(const char *path, node_list *docs, char *err, size_t el)
{
    reader_opts o;
    reader_opts_default(&o);
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    size_t len = 0;
    err[0] = '\0';
    char *data = slurp(path, (size_t)o.max_file_bytes, &len, err, el);
    if (!data) return ERR_IO;
    wire_doc f = {.id = (char *)name, .path = (char *)path, .name = (char *)name,
                  .size = (int64_t)len, .data = (uint8_t *)data, .len = len};
    int rc = reader_load(&f, &o, docs, err, el);
    free(data);
    return rc;
}

/* Prints {"doc": name, ["part": i,] key: val} and frees val. */
static int print_line(const char *name, size_t part, size_t nparts, const char *key, json_t *val)
{
    json_t *o = json_object();
    if (!o || !val) {
        json_decref(o);
        json_decref(val);
        return ERR_NOMEM;
    }
    json_object_set_new(o, "doc", json_string(name));
    if (nparts > 1) json_object_set_new(o, "part", json_integer((json_int_t)part));
    json_object_set_new(o, key, val);
    int rc = json_dumpf(o, stdout, JSON_COMPACT) ? ERR_NOMEM : 0;
    putchar('\n');
    json_decref(o);
    return rc;
}

typedef struct job {
    const spec_tf *tf; /* the parser */
    split_params sp;   /* when it is a splitter */
    int sentences;     /* SentenceWindowNodeParser: one chunk per sentence */
    uint32_t hash_dim; /* --hash-embed: 0, or HashEmbedding's dim */
} job;

/* --hash-embed: every chunk through HashEmbedding, the vectors dropped. */
static int hash_chunks(const job *j, const split_chunks *ch)
{
    if (!j->hash_dim) return 0;
    float *v = malloc(sizeof *v * j->hash_dim);
    int rc = v ? 0 : ERR_NOMEM;
    for (size_t i = 0; !rc && i < ch->n; i++) rc = hashembed(ch->v[i].s, ch->v[i].len, v, j->hash_dim);
    free(v);
    return rc;
}

static int split_doc(const job *j, const node_t *d, json_t **arr, char *err, size_t el)
{
    split_chunks ch = {0};
    int rc = j->sentences ? split_sentences(d->text, d->text_len, &ch)
                          : split_text(&j->sp, d->text, d->text_len, 0, &ch, err, el);
    if (rc) {
        if (!err[0]) snprintf(err, el, "%s", err_str(rc));
        return rc;
    }
    rc = hash_chunks(j, &ch);
    *arr = rc ? NULL : json_array();
    for (size_t i = 0; *arr && i < ch.n; i++)
        if (json_array_append_new(*arr, json_stringn(ch.v[i].s, ch.v[i].len))) rc = ERR_NOMEM;
    split_chunks_free(&ch);
    return *arr || rc ? rc : ERR_NOMEM;
}

/* Runs fn over every Document of every file; 0, or 1 if any file failed. */
static int each_file(int argc, char **argv, const char *cmd, const job *j)
{
    int status = 0;
    for (int i = 0; i < argc; i++) {
        node_list docs = {0};
        char err[512] = "";
        int rc = load_docs(argv[i], &docs, err, sizeof err);
        for (size_t k = 0; !rc && k < docs.n; k++) {
            const node_t *d = docs.v[k];
            const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
            json_t *val = NULL;
            if (j) rc = split_doc(j, d, &val, err, sizeof err);
            else val = json_integer((json_int_t)tok_count(d->text, d->text_len));
            if (!rc) rc = print_line(name, k, docs.n, j ? "chunks" : "tokens", val);
        }
        node_list_free(&docs);
        if (rc) {
            fprintf(stderr, "%s: %s: %s\n", cmd, argv[i], err[0] ? err : err_str(rc));
            status = 1;
        }
    }
    fflush(stdout);
    return status;
}

/* The spec for the options given; NULL after printing a message. */
static spec_t *load_spec(const char *pipeline, const char *size, const char *overlap)
{
    char err[512] = "", json[256];
    size_t len = 0;
    char *text = NULL;
    if (pipeline) {
        text = slurp(pipeline, 16 << 20, &len, err, sizeof err);
        if (!text) {
            fprintf(stderr, "split: %s: %s\n", pipeline, err);
            return NULL;
        }
    } else {
        char *end1 = NULL, *end2 = NULL;
        long cs = strtol(size ? size : "1024", &end1, 10), co = strtol(overlap ? overlap : "20", &end2, 10);
        if (*end1 || *end2 || end1 == size || end2 == overlap) {
            fprintf(stderr, "split: --chunk-size and --chunk-overlap take integers\n");
            return NULL;
        }
        snprintf(json, sizeof json,
                 "{\"transformations\":[{\"class_name\":\"SentenceSplitter\",\"chunk_size\":%ld,"
                 "\"chunk_overlap\":%ld}]}", cs, co);
        text = json;
        len = strlen(json);
    }
    lijson_info li; /* LlamaIndex to_dict() JSON too; split stores nothing */
    spec_t *s = lijson_spec_parse(text, len, &li, err, sizeof err);
    if (!s) fprintf(stderr, "split: %s%s%s\n", pipeline ? pipeline : "", pipeline ? ": " : "", err);
    if (text != json) free(text);
    return s;
}

int cmd_split(int argc, char **argv)
{
    static const struct option opts[] = {{"pipeline", required_argument, 0, 'p'},
                                         {"chunk-size", required_argument, 0, 's'},
                                         {"chunk-overlap", required_argument, 0, 'o'},
                                         {"hash-embed", required_argument, 0, 'e'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *pipeline = NULL, *size = NULL, *overlap = NULL;
    long hash_dim = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end = NULL;
        if (ch == 'e' && ((hash_dim = strtol(optarg, &end, 10)) < 1 || hash_dim > 65536 || *end)) {
            fprintf(stderr, "split: --hash-embed takes a dimension in 1..65536\n");
            return EXIT_USAGE;
        }
        if (ch == 'e') continue;
        if (ch == 'p') pipeline = optarg;
        else if (ch == 's') size = optarg;
        else if (ch == 'o') overlap = optarg;
        else {
            fputs(split_usage, ch == 'h' ? stdout : stderr);
            return ch == 'h' ? 0 : EXIT_USAGE;
        }
    }
    if (optind >= argc || (pipeline && (size || overlap))) {
        fputs(optind >= argc ? split_usage : "split: --pipeline excludes --chunk-size/--chunk-overlap\n",
              stderr);
        return EXIT_USAGE;
    }
    spec_t *s = load_spec(pipeline, size, overlap);
    if (!s) return EXIT_USAGE;
    job j = {.hash_dim = (uint32_t)hash_dim};
    for (size_t i = 0; i < s->n && !j.tf; i++)
        if (s->tf[i].kind == SPEC_KIND_PARSER) j.tf = &s->tf[i];
    int rc = EXIT_USAGE;
    if (!j.tf) {
        fprintf(stderr, "split: the pipeline has no parser transformation\n");
    } else if (j.tf->variant == SPEC_PARSER_WINDOW) {
        j.sentences = 1;
    } else if (nodeparse_split_params(j.tf, &j.sp)) {
        fprintf(stderr, "split: %s is not supported here (SentenceSplitter, TokenTextSplitter, "
                        "SentenceWindowNodeParser)\n", j.tf->class_name);
        j.tf = NULL;
    }
    if (j.tf) rc = each_file(argc - optind, argv + optind, "split", &j);
    spec_free(s);
    return rc;
}

int cmd_tokens(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        fputs(tokens_usage, ch == 'h' ? stdout : stderr);
        return ch == 'h' ? 0 : EXIT_USAGE;
    }
    if (optind >= argc) {
        fputs(tokens_usage, stderr);
        return EXIT_USAGE;
    }
    return each_file(argc - optind, argv + optind, "tokens", NULL);
}
