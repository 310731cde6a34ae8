/* http.c - libcurl multi interface on a libev loop.
 *
 * curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION -> one ev_io
 * per socket) and when to wake up (CURLMOPT_TIMERFUNCTION -> one ev_timer;
 * milliseconds are converted with ms / 1000.0, not the integer division of
 * curl's evhiperfifo example that turns 1..999 ms into 0 s).  Finished
 * transfers are collected with curl_multi_info_read after every
 * socket_action, and their callbacks run there, outside curl's own
 * callbacks, so they may start new transfers.
 *
 * Ownership: http_ctx owns every request (easy handle, header list, body,
 * response buffer) until its callback returned.  Response bodies are capped
 * (HTTP_MAX_BODY); a larger body aborts the transfer (CURLE_WRITE_ERROR).
 * Secrets in header lines are never logged: verbose mode is off and no
 * header is ever printed. */
#include "http.h"

#include <curl/curl.h>
#include <ev.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"

#define HTTP_MAX_BODY ((size_t)512 << 20)

typedef struct http_req {
    struct http_req *prev, *next;
    http_ctx *h;
    CURL *easy;
    struct curl_slist *hdrs;
    const char *body; /* borrowed from the caller until the callback */
    buf_t resp;
    char retry_after[64], retry_after_ms[64];
    char errbuf[CURL_ERROR_SIZE];
    http_cb cb;
    void *ud;
} http_req;

typedef struct sock_watch {
    ev_io io;
    http_ctx *h;
} sock_watch;

struct http_ctx {
    struct ev_loop *loop;
    CURLM *multi;
    ev_timer timer;
    http_req *head;
    size_t n;
};

static void check_done(http_ctx *h);

static void unlink_req(http_ctx *h, http_req *r)
{
    if (r->prev) r->prev->next = r->next;
    else h->head = r->next;
    if (r->next) r->next->prev = r->prev;
    r->prev = r->next = NULL;
    h->n--;
}

static void free_req(http_req *r)
{
    if (r->easy) curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->hdrs);
    buf_free(&r->resp);
    free(r);
}

/* Removes r from the multi handle, fires its callback once, frees it. */
static void finish(http_ctx *h, http_req *r, CURLcode code, int cancelled)
{
    unlink_req(h, r);
    curl_multi_remove_handle(h->multi, r->easy);
    http_resp res = {0};
    res.curl_code = code;
    res.cancelled = cancelled;
    res.errmsg = cancelled ? "cancelled" : code ? (r->errbuf[0] ? r->errbuf : curl_easy_strerror(code)) : "";
    if (!cancelled) {
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &res.status);
        curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME, &res.seconds);
    }
    res.body = r->resp.p ? r->resp.p : "";
    res.body_len = r->resp.len;
    res.retry_after = r->retry_after[0] ? r->retry_after : NULL;
    res.retry_after_ms = r->retry_after_ms[0] ? r->retry_after_ms : NULL;
    r->cb(r->ud, &res);
    free_req(r);
}

static void check_done(http_ctx *h)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(h->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        http_req *r = NULL;
        CURLcode code = m->data.result;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        if (r) finish(h, r, code, 0);
    }
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    sock_watch *sw = (sock_watch *)w;
    http_ctx *h = sw->h;
    int action = (revents & EV_READ ? CURL_CSELECT_IN : 0) | (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
    int running;
    curl_multi_socket_action(h->multi, w->fd, action, &running);
    check_done(h);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    http_ctx *h = w->data;
    int running;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(h);
}

static int on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    http_ctx *h = userp;
    sock_watch *sw = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (sw) {
            ev_io_stop(h->loop, &sw->io);
            free(sw);
            curl_multi_assign(h->multi, s, NULL);
        }
        return 0;
    }
    int ev = (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);
    if (!sw) {
        if (!(sw = calloc(1, sizeof *sw))) return -1;
        sw->h = h;
        curl_multi_assign(h->multi, s, sw);
    } else {
        ev_io_stop(h->loop, &sw->io);
    }
    ev_io_init(&sw->io, io_cb, s, ev);
    ev_io_start(h->loop, &sw->io);
    return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
    http_ctx *h = userp;
    ev_timer_stop(h->loop, &h->timer);
    if (timeout_ms >= 0) {
        ev_timer_set(&h->timer, timeout_ms / 1000.0, 0.);
        ev_timer_start(h->loop, &h->timer);
    }
    return 0;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
    http_req *r = ud;
    return buf_append(&r->resp, p, size * nmemb) ? 0 : size * nmemb;
}

/* Copies the value of "name: value" into dst if the line is that header. */
static void header_value(const char *line, size_t len, const char *name, char *dst, size_t cap)
{
    size_t nl = strlen(name);
    if (len <= nl || line[nl] != ':' || strncasecmp(line, name, nl)) return;
    const char *v = line + nl + 1;
    size_t vl = len - nl - 1;
    while (vl && (*v == ' ' || *v == '\t')) v++, vl--;
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ')) vl--;
    if (vl >= cap) vl = cap - 1;
    memcpy(dst, v, vl);
    dst[vl] = 0;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    http_req *r = ud;
    size_t len = size * nmemb;
    if (len >= 5 && !strncmp(p, "HTTP/", 5)) r->retry_after[0] = r->retry_after_ms[0] = 0;
    header_value(p, len, "retry-after", r->retry_after, sizeof r->retry_after);
    header_value(p, len, "retry-after-ms", r->retry_after_ms, sizeof r->retry_after_ms);
    return len;
}

http_ctx *http_new(struct ev_loop *loop)
{
    static int inited;
    if (!inited && curl_global_init(CURL_GLOBAL_DEFAULT)) return NULL;
    inited = 1;
    http_ctx *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    if (!(h->multi = curl_multi_init())) {
        free(h);
        return NULL;
    }
    h->loop = loop;
    ev_timer_init(&h->timer, timer_cb, 0., 0.);
    h->timer.data = h;
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, 1024L);
    return h;
}

static int setup_easy(http_req *r, const char *url, const char *const *headers, size_t len,
                      double timeout_s)
{
    static const char *const fixed[] = {"Content-Type: application/json", "Accept: application/json",
                                        "Expect:", NULL};
    for (const char *const *l = fixed; *l; l++) {
        struct curl_slist *n = curl_slist_append(r->hdrs, *l);
        if (!n) return ERR_NOMEM;
        r->hdrs = n;
    }
    for (const char *const *l = headers; l && *l; l++) {
        struct curl_slist *n = curl_slist_append(r->hdrs, *l);
        if (!n) return ERR_NOMEM;
        r->hdrs = n;
    }
    CURL *e = r->easy;
    long ms = timeout_s > 0 ? (long)(timeout_s * 1000.0 + 0.5) : 0;
    int bad = curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms && ms < 10000 ? ms : 10000L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    /* waiting for a connection that may multiplex only makes sense where
     * HTTP/2 can be negotiated (ALPN over TLS); on http:// it would hold
     * back the first burst of requests behind the first connection */
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, strncmp(url, "https:", 6) ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "ingest-worker/0.1");
    return bad ? ERR_INVAL : 0;
}

int http_post(http_ctx *h, const char *url, const char *const *headers, const char *body,
              size_t len, double timeout_s, http_cb cb, void *ud)
{
    http_req *r = calloc(1, sizeof *r);
    if (!r) return ERR_NOMEM;
    r->h = h, r->body = body, r->cb = cb, r->ud = ud;
    buf_init(&r->resp, HTTP_MAX_BODY);
    int rc = (r->easy = curl_easy_init()) ? setup_easy(r, url, headers, len, timeout_s) : ERR_NOMEM;
    if (!rc && curl_multi_add_handle(h->multi, r->easy) != CURLM_OK) rc = ERR_NOMEM;
    if (rc) {
        free_req(r);
        return rc;
    }
    r->next = h->head;
    if (h->head) h->head->prev = r;
    h->head = r;
    h->n++;
    return 0;
}

void http_cancel_all(http_ctx *h)
{
    http_req *list = h->head; /* requests posted by callbacks below stay in flight */
    size_t n = 0;
    for (http_req *r = list; r; r = r->next) n++;
    while (n-- && list) {
        http_req *r = list;
        list = r->next;
        finish(h, r, CURLE_ABORTED_BY_CALLBACK, 1);
    }
}

size_t http_in_flight(const http_ctx *h) { return h ? h->n : 0; }

void http_free(http_ctx *h)
{
    if (!h) return;
    while (h->head) http_cancel_all(h);
    ev_timer_stop(h->loop, &h->timer);
    curl_multi_cleanup(h->multi);
    free(h);
}
