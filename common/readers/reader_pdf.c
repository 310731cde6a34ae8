/* reader_pdf.c - PDF pages and labels through poppler-glib (see reader_pdf.h).
 *
 * Role: the only place that calls poppler.  Layout: the extraction proper
 * (pdf_extract_to) writes a record stream into a sink; in isolated mode the
 * sink is a pipe to the parent, otherwise a buffer.  Either way the stream is
 * decoded by reader_pdf_decode, so both modes share one format and one
 * validation path.
 * Ownership: pages in `out` are malloc'd and owned by the caller.
 * Failure modes: see the header; the parent treats anything but a complete
 * stream ended by 'D' as an error, whatever the child's exit status says
 * (a SIGCHLD handler elsewhere may have reaped it already).
 * Threads: callers may extract from several threads at once (the worker's
 * pool).  Each caller waits only for its own child (waitpid(pid)).  The
 * child of a multithreaded parent has only the forking thread, so it must
 * touch nothing another thread could have held locked at fork time: malloc
 * (glibc's is fork-safe), stdio (glibc locks its list across fork), and
 * poppler/glib and qpdf (libstdc++) - safe because no parent thread is
 * inside them when fork() runs: in-process extraction (pdf_isolate=0) holds
 * inproc_lock for reading, fork() holds it for writing.  The child first closes every
 * descriptor but its pipe end, so it cannot keep another thread's pipe
 * open (which would delay that thread's EOF until this child exits). */
#include "reader_pdf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <poppler.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "pdf_text.h"
#include "utf8.h"

#define REC_PAGE 'P'
#define REC_DONE 'D'
#define REC_ERR 'E'
#define STREAM_SLACK (8u << 20) /* labels and framing on top of max_text_bytes */

static pthread_rwlock_t inproc_lock = PTHREAD_RWLOCK_INITIALIZER; /* see the top */

void reader_pages_free(reader_pages *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].label);
        free(p->v[i].text);
    }
    free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
}

/* ---- record stream: writer side (runs in the child when isolated) ---- */

typedef struct sink {
    buf_t b;
    int fd; /* -1: keep everything in b */
} sink;

static int sink_flush(sink *s)
{
    if (s->fd < 0) return 0;
    size_t off = 0;
    while (off < s->b.len) {
        ssize_t w = write(s->fd, s->b.p + off, s->b.len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return ERR_IO;
        off += (size_t)w;
    }
    buf_reset(&s->b);
    return 0;
}

static int put_u32(buf_t *b, uint32_t v) { return buf_append(b, &v, sizeof v); }

static int emit_page(sink *s, const char *label, const char *text, size_t len)
{
    size_t ll = strlen(label);
    int rc = buf_putc(&s->b, REC_PAGE);
    if (!rc) rc = put_u32(&s->b, (uint32_t)ll);
    if (!rc) rc = buf_append(&s->b, label, ll);
    if (!rc) rc = put_u32(&s->b, (uint32_t)len);
    if (!rc) rc = buf_append(&s->b, text, len);
    return rc ? rc : sink_flush(s);
}

static void emit_err(sink *s, int code, const char *msg)
{
    size_t ml = strlen(msg);
    int32_t c = code;
    if (!buf_putc(&s->b, REC_ERR) && !buf_append(&s->b, &c, sizeof c) &&
        !put_u32(&s->b, (uint32_t)ml) && !buf_append(&s->b, msg, ml))
        sink_flush(s);
}

/* pdftotext -raw -enc UTF-8 over the bytes (given on a memfd as stdin):
 * every page's text followed by '\f', in out.  0, or ERR_UNSUPPORTED when
 * pdftotext cannot be run, ERR_PARSE when it fails, ERR_TOOBIG, ERR_IO. */
/* The bytes in a memfd, at offset 0 (close-on-exec); -1 on failure. */
static int memfd_of(const uint8_t *data, size_t len)
{
    int mfd = memfd_create("ingest-pdf", MFD_CLOEXEC);
    for (size_t off = 0; mfd >= 0 && off < len;) {
        ssize_t w = write(mfd, data + off, len - off);
        if (w <= 0) close(mfd), mfd = -1;
        else off += (size_t)w;
    }
    if (mfd >= 0 && lseek(mfd, 0, SEEK_SET)) close(mfd), mfd = -1;
    return mfd;
}

static int raw_text(const uint8_t *data, size_t len, buf_t *out)
{
    int mfd = memfd_of(data, len), p[2];
    if (mfd < 0) return ERR_IO;
    if (pipe2(p, O_CLOEXEC)) {
        close(mfd);
        return ERR_IO;
    }
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (dup2(mfd, 0) < 0 || dup2(p[1], 1) < 0 || (devnull >= 0 && dup2(devnull, 2) < 0))
            _exit(126);
        execlp("pdftotext", "pdftotext", "-raw", "-enc", "UTF-8", "-", "-", (char *)NULL);
        _exit(127);
    }
    close(mfd);
    close(p[1]);
    int rc = pid < 0 ? ERR_IO : 0;
    char tmp[65536];
    ssize_t r;
    while (!rc && ((r = read(p[0], tmp, sizeof tmp)) > 0 || (r < 0 && errno == EINTR)))
        if (r > 0) rc = buf_append(out, tmp, (size_t)r);
    close(p[0]);
    int st = 0;
    if (pid > 0) {
        if (rc) kill(pid, SIGKILL);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    }
    if (!rc && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        rc = WIFEXITED(st) && WEXITSTATUS(st) >= 126 ? ERR_UNSUPPORTED : ERR_PARSE;
    return rc;
}

/* Page i's text from pdftotext's output: the i-th '\f'-terminated span
 * without its final "\n".  *at walks the buffer. */
static int next_raw_page(const buf_t *raw, size_t *at, const char **s, size_t *len)
{
    const char *b = raw->p ? raw->p + *at : "";
    const char *ff = memchr(b, '\f', raw->len - *at);
    if (!ff) return 0;
    *s = b;
    *len = (size_t)(ff - b);
    if (*len && b[*len - 1] == '\n') (*len)--;
    *at += (size_t)(ff - b) + 1;
    return 1;
}

static int count_ff(const buf_t *raw)
{
    int n = 0;
    for (size_t i = 0; i < raw->len; i++) n += raw->p[i] == '\f';
    return n;
}

static void emit_fail(sink *s, int rc, const reader_opts *o)
{
    char msg[160];
    if (rc == ERR_TOOBIG)
        snprintf(msg, sizeof msg, "PDF text over the %lld-byte limit", (long long)o->max_text_bytes);
    else if (rc == ERR_UNSUPPORTED)
        snprintf(msg, sizeof msg, "cannot run pdftotext (install poppler-utils, or set the "
                                  "reader option pdf_reading_order)");
    else
        snprintf(msg, sizeof msg, "cannot pass PDF pages to the reader (%s)", err_str(rc));
    emit_err(s, rc, msg);
}

/* pypdf's text of every page (pdf_text.c), checked against poppler's page
 * count; *td is NULL when it failed (an 'E' record was emitted). */
static int open_pypdf(const uint8_t *data, size_t len, int n, sink *s, pdf_text_doc **td)
{
    char msg[300];
    int rc = pdf_text_open(data, len, td, msg, sizeof msg);
    if (!rc && pdf_text_npages(*td) != n) {
        snprintf(msg, sizeof msg, "PDF page tree read differently by qpdf (%d pages) and poppler "
                 "(%d pages); the reader option pdf_text=\"poppler\" reads it", pdf_text_npages(*td), n);
        pdf_text_close(*td);
        rc = ERR_PARSE;
    }
    if (rc) {
        *td = NULL;
        emit_err(s, rc, msg);
    }
    return rc;
}

/* Page i's text with pypdf's rules; a page pypdf cannot read fails the
 * file, as it does in LlamaIndex's PDFReader. */
static int pypdf_page(pdf_text_doc *td, int i, buf_t *pt, sink *s)
{
    char msg[240], full[300];
    buf_reset(pt);
    int rc = pdf_text_page(td, i, pt, msg, sizeof msg);
    if (rc == ERR_PARSE) {
        snprintf(full, sizeof full, "page %d: pypdf's extract_text() raises here (%s)", i + 1, msg);
        emit_err(s, rc, full);
    }
    return rc;
}

/* Walks the document; always ends the stream with 'D' or 'E'.  Labels come
 * from poppler-glib; text from pypdf's rules by default (pdf_text.c), or with
 * pdf_text=poppler from pdftotext -raw (content-stream order) unless
 * o->pdf_reading_order, or when pdftotext fails on the file or disagrees on
 * the page count: then poppler_page_get_text (reading order). */
static void pdf_extract_to(const uint8_t *data, size_t len, const reader_opts *o, sink *s)
{
    GError *gerr = NULL;
    GBytes *bytes = g_bytes_new_static(data, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    g_bytes_unref(bytes);
    if (!doc) {
        int enc = gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED;
        char msg[256];
        snprintf(msg, sizeof msg, "%s: %s", enc ? "encrypted PDF" : "cannot open PDF",
                 gerr && gerr->message ? gerr->message : "unknown error");
        if (gerr) g_error_free(gerr);
        emit_err(s, enc ? ERR_ENCRYPTED : ERR_PARSE, msg);
        return;
    }
    int n = poppler_document_get_n_pages(doc);
    int64_t total = 0;
    int rc = 0;
    if (n <= 0) {
        emit_err(s, ERR_PARSE, "PDF has no pages (or an unreadable page tree)");
        g_object_unref(doc);
        return;
    }
    if (n > o->max_pages) {
        char msg[128];
        snprintf(msg, sizeof msg, "PDF has %d pages, over the %lld-page limit", n,
                 (long long)o->max_pages);
        emit_err(s, ERR_TOOBIG, msg);
        g_object_unref(doc);
        return;
    }
    buf_t raw, pt;
    buf_init(&raw, (size_t)o->max_text_bytes + (size_t)n + 1);
    buf_init(&pt, (size_t)o->max_text_bytes);
    int use_raw = 0, pypdf = o->pdf_text == READER_PDF_PYPDF && !o->pdf_reading_order;
    pdf_text_doc *td = NULL;
    if (pypdf && open_pypdf(data, len, n, s, &td)) {
        g_object_unref(doc);
        return;
    }
    if (!pypdf && !o->pdf_reading_order) {
        rc = raw_text(data, len, &raw);
        use_raw = !rc && count_ff(&raw) == n;
        if (rc == ERR_PARSE) rc = 0; /* poppler-glib opened it: fall back to reading order */
    }
    size_t at = 0;
    int failed = 0;
    for (int i = 0; !rc && i < n; i++) {
        PopplerPage *pg = poppler_document_get_page(doc, i);
        char *label = pg ? poppler_page_get_label(pg) : NULL;
        char *text = NULL;
        const char *t = "";
        size_t tl = 0;
        if (td) {
            rc = pypdf_page(td, i, &pt, s);
            failed = rc == ERR_PARSE;
            t = pt.p ? pt.p : "", tl = pt.len;
        } else if (use_raw) {
            next_raw_page(&raw, &at, &t, &tl);
        } else if (pg && (text = poppler_page_get_text(pg))) {
            t = text, tl = strlen(text);
        }
        char num[16];
        snprintf(num, sizeof num, "%d", i + 1);
        total += (int64_t)tl;
        if (!rc && total > o->max_text_bytes) rc = ERR_TOOBIG;
        else if (!rc) rc = emit_page(s, label ? label : num, t, tl); /* "" is a label */
        g_free(label);
        g_free(text);
        if (pg) g_object_unref(pg);
    }
    pdf_text_close(td);
    buf_free(&raw);
    buf_free(&pt);
    g_object_unref(doc);
    if (rc && !failed) emit_fail(s, rc, o);
    else if (!rc && !buf_putc(&s->b, REC_DONE)) sink_flush(s);
}

/* ---- record stream: reader side ---- */

/* Copies valid UTF-8, replacing bad bytes by U+FFFD and dropping NULs
 * unless keep_nul (pypdf keeps "\x00" in page text; Documents carry
 * lengths, so text may hold NULs). */
static char *clean_utf8(const char *s, size_t len, int keep_nul, size_t *outlen)
{
    buf_t b;
    buf_init(&b, 0);
    size_t i = 0;
    int rc = buf_reserve(&b, len);
    while (!rc && i < len) {
        uint32_t cp;
        int w = utf8_seq_len((const unsigned char *)s + i, len - i, &cp);
        if (w == 1 && s[i] == '\0' && !keep_nul) {
            i++;
            continue;
        }
        rc = w ? buf_append(&b, s + i, (size_t)w) : buf_append(&b, "\xef\xbf\xbd", 3);
        i += w ? (size_t)w : 1;
    }
    if (rc) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b, outlen);
}

typedef struct cursor {
    const char *p;
    size_t left;
} cursor;

static int take(cursor *c, void *dst, size_t n)
{
    if (c->left < n) return ERR_PARSE;
    memcpy(dst, c->p, n);
    c->p += n;
    c->left -= n;
    return 0;
}

static int take_span(cursor *c, const char **s, uint32_t *n)
{
    if (take(c, n, sizeof *n) || c->left < *n) return ERR_PARSE;
    *s = c->p;
    c->p += *n;
    c->left -= *n;
    return 0;
}

static int push_page(reader_pages *out, const char *label, uint32_t ll, const char *text,
                     uint32_t tl, int keep_nul)
{
    if (out->n == out->cap) {
        size_t nc = out->cap ? out->cap * 2 : 16;
        reader_page *nv = realloc(out->v, nc * sizeof *nv);
        if (!nv) return ERR_NOMEM;
        out->v = nv;
        out->cap = nc;
    }
    reader_page *pg = &out->v[out->n];
    size_t dummy;
    pg->label = clean_utf8(label, ll, 0, &dummy);
    pg->text = clean_utf8(text, tl, keep_nul, &pg->len);
    if (!pg->label || !pg->text) {
        free(pg->label);
        free(pg->text);
        return ERR_NOMEM;
    }
    out->n++;
    return 0;
}

int reader_pdf_decode(const char *p, size_t len, const reader_opts *o, reader_pages *out,
                      int *done, char *eb, size_t el)
{
    cursor c = {p, len};
    int rc = 0;
    *done = 0;
    while (!rc && c.left && !*done) {
        char tag = *c.p;
        c.p++, c.left--;
        const char *a, *b;
        uint32_t al, bl;
        int32_t code;
        if (tag == REC_PAGE) {
            rc = take_span(&c, &a, &al);
            if (!rc) rc = take_span(&c, &b, &bl);
            if (!rc && (int64_t)out->n >= o->max_pages) rc = ERR_TOOBIG;
            if (!rc)
                rc = push_page(out, a, al, b, bl,
                               o->pdf_text == READER_PDF_PYPDF && !o->pdf_reading_order);
        } else if (tag == REC_DONE) {
            *done = 1;
        } else if (tag == REC_ERR) {
            rc = take(&c, &code, sizeof code) || take_span(&c, &a, &al) ? ERR_PARSE : 0;
            if (!rc) {
                snprintf(eb, el, "%.*s", (int)(al > 300 ? 300 : al), a);
                return code < 0 && code >= ERR__MIN ? code : ERR_PARSE;
            }
        } else {
            rc = ERR_PARSE;
        }
    }
    if (!rc && (c.left || !*done)) rc = ERR_PARSE;
    if (rc) snprintf(eb, el, "%s", rc == ERR_PARSE ? "PDF parser stopped before the end" : err_str(rc));
    return rc;
}

/* ---- isolation ---- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Current address-space size of this process, from /proc/self/statm. */
static int64_t vm_bytes(void)
{
    long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld", &pages) != 1) pages = 0;
        fclose(f);
    }
    return (int64_t)pages * sysconf(_SC_PAGESIZE);
}

static void set_limit(int res, int64_t v)
{
    struct rlimit rl = {(rlim_t)v, (rlim_t)v};
    setrlimit(res, &rl);
}

static _Noreturn void child_main(int fd, const uint8_t *data, size_t len, const reader_opts *o)
{
    if (fd > 3) close_range(3, (unsigned)fd - 1, 0);
    close_range((unsigned)fd + 1, ~0U, 0); /* other threads' pipes, sockets */
    setpgid(0, 0); /* its own group, so a timeout also kills pdftotext */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* the caller's handlers (an event loop's, say) must not run here */
    static const int sigs[] = {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD,
                               SIGUSR1, SIGUSR2, SIGALRM, SIGXCPU};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) signal(sigs[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull >= 0) dup2(devnull, 2); /* poppler prints syntax errors on stderr */
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_AS, vm_bytes() + o->max_mem_bytes);
    set_limit(RLIMIT_CPU, o->time_budget_ms / 1000 + 2);
    sink s = {.fd = fd};
    buf_init(&s.b, 0);
    pdf_extract_to(data, len, o, &s);
    _exit(0);
}

/* Reads the child's stream into b until EOF or the deadline; kills and reaps
 * the child.  Returns 0, ERR_TIMEOUT or ERR_TOOBIG; *sig = fatal signal or 0. */
static int collect(pid_t pid, int fd, int64_t budget_ms, buf_t *b, int *sig)
{
    int64_t deadline = now_ms() + budget_ms;
    int rc = 0;
    char tmp[65536];
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            rc = ERR_TIMEOUT;
            break;
        }
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int pr = poll(&pf, 1, left > 1000 ? 1000 : (int)left);
        if (pr < 0 && errno != EINTR) {
            rc = ERR_IO;
            break;
        }
        if (pr <= 0) continue;
        ssize_t r = read(fd, tmp, sizeof tmp);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break; /* EOF (or error): the child is done or dead */
        rc = buf_append(b, tmp, (size_t)r);
        if (rc) break;
    }
    if (rc) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
    int st = 0;
    *sig = 0;
    pid_t w;
    while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {}
    if (w == pid && WIFSIGNALED(st)) *sig = WTERMSIG(st);
    return rc;
}

/* ---- the re-executed child (sanitizer builds) ----
 * A forked child of a multithreaded process may only touch what no other
 * thread could have held locked at fork time.  glibc's malloc is fork-safe;
 * the sanitizer runtimes of GCC 12 are not (their allocator and stack depot
 * locks are not taken across fork), so in an ASan or TSan build a child
 * forked while another thread allocates can hang until the time budget
 * kills it.  There, when the program opted in (reader_pdf_exec_self), the
 * child execs the program again with PDF_CHILD_ARG: a fresh process, the
 * bytes on stdin (a memfd), the record stream on stdout, the options in
 * argv.  Elsewhere the plain fork stays: exec'ing a worker costs ~20 ms of
 * CPU per file. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CHILD_EXECS 1
#else
#define CHILD_EXECS 0
#endif
#define PDF_CHILD_ARG "--pdf-child"

static const char *exec_self;

void reader_pdf_exec_self(const char *path) { exec_self = CHILD_EXECS ? path : NULL; }

/* In the forked child: stdin = the bytes, stdout = the pipe, then exec. */
static _Noreturn void exec_child(int mfd, int fd, const reader_opts *o)
{
    char a[7][24];
    const int64_t v[7] = {o->max_text_bytes, o->time_budget_ms, o->max_mem_bytes, o->max_pages,
                          o->max_expansion, o->pdf_text, o->pdf_reading_order};
    for (int i = 0; i < 7; i++) snprintf(a[i], sizeof a[i], "%lld", (long long)v[i]);
    int in = fcntl(mfd, F_DUPFD, 10), out = fcntl(fd, F_DUPFD, 10); /* either may be 0 or 1 */
    if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0) _exit(126);
    execl(exec_self, exec_self, PDF_CHILD_ARG, a[0], a[1], a[2], a[3], a[4], a[5], a[6], (char *)NULL);
    _exit(127);
}

int reader_pdf_child_main(int argc, char **argv)
{
    if (argc != 9 || strcmp(argv[1], PDF_CHILD_ARG)) return 2;
    reader_opts o;
    reader_opts_default(&o);
    int64_t *f[5] = {&o.max_text_bytes, &o.time_budget_ms, &o.max_mem_bytes, &o.max_pages,
                     &o.max_expansion};
    for (int i = 0; i < 5; i++) *f[i] = strtoll(argv[2 + i], NULL, 10);
    o.pdf_text = atoi(argv[7]), o.pdf_reading_order = atoi(argv[8]);
    struct stat st;
    uint8_t *data = fstat(0, &st) || st.st_size < 0 ? NULL : malloc((size_t)st.st_size + 1);
    size_t len = 0;
    for (ssize_t r; data && len < (size_t)st.st_size; len += (size_t)r)
        if ((r = read(0, data + len, (size_t)st.st_size - len)) <= 0) return 1;
    if (!data) return 1;
    child_main(1, data, len, &o);
}

static int extract_isolated(const uint8_t *data, size_t len, const reader_opts *o, buf_t *stream,
                            char *eb, size_t el)
{
    int pfd[2], mfd = exec_self ? memfd_of(data, len) : -1;
    if ((exec_self && mfd < 0) || pipe2(pfd, O_CLOEXEC)) {
        snprintf(eb, el, "%s: %s", exec_self && mfd < 0 ? "memfd" : "pipe", strerror(errno));
        if (mfd >= 0) close(mfd);
        return ERR_IO;
    }
    pthread_rwlock_wrlock(&inproc_lock);
    pid_t pid = fork();
    if (pid != 0) pthread_rwlock_unlock(&inproc_lock);
    if (pid < 0) {
        snprintf(eb, el, "fork: %s", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        if (mfd >= 0) close(mfd);
        return ERR_IO;
    }
    if (pid == 0) {
        close(pfd[0]);
        if (exec_self) exec_child(mfd, pfd[1], o);
        child_main(pfd[1], data, len, o);
    }
    if (mfd >= 0) close(mfd);
    setpgid(pid, pid); /* also done by the child: no race either way */
    close(pfd[1]);
    int sig;
    int rc = collect(pid, pfd[0], o->time_budget_ms, stream, &sig);
    close(pfd[0]);
    if (rc == ERR_TIMEOUT || sig == SIGXCPU)
        snprintf(eb, el, "PDF parsing exceeded the %lld ms time budget",
                 (long long)o->time_budget_ms);
    else if (rc == ERR_TOOBIG)
        snprintf(eb, el, "PDF text over the %lld-byte limit", (long long)o->max_text_bytes);
    else if (rc)
        snprintf(eb, el, "reading from the PDF parser: %s", err_str(rc));
    else if (sig)
        snprintf(eb, el, "PDF parser died (signal %d: %s; its memory limit is %lld MiB)", sig,
                 strsignal(sig), (long long)(o->max_mem_bytes >> 20));
    if (!rc && sig) rc = sig == SIGXCPU ? ERR_TIMEOUT : ERR_PARSE;
    return rc;
}

int reader_pdf_extract(const uint8_t *data, size_t len, const reader_opts *o, reader_pages *out,
                       char *eb, size_t el)
{
    buf_t stream;
    buf_init(&stream, (size_t)o->max_text_bytes + STREAM_SLACK);
    int rc, done = 0;
    if (o->pdf_isolate) {
        rc = extract_isolated(data, len, o, &stream, eb, el);
    } else {
        sink s = {.fd = -1, .b = stream};
        pthread_rwlock_rdlock(&inproc_lock);
        pdf_extract_to(data, len, o, &s);
        pthread_rwlock_unlock(&inproc_lock);
        stream = s.b;
        rc = 0;
    }
    if (!rc) rc = reader_pdf_decode(stream.p ? stream.p : "", stream.len, o, out, &done, eb, el);
    buf_free(&stream);
    if (rc) reader_pages_free(out);
    return rc;
}
