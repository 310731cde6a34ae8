/* test_wpace.c - write pacing (worker/wpace.c) against a private redis-server
 * on a unix socket in a temp dir, on a real libev loop.
 *
 * usage: test_wpace
 * Checks: commands of 16 B to 600 KB (limit 64 KB) run in the order issued
 * (each RPUSH's reply is its position) and arrive intact; hiredis never held
 * more than the limit plus a command name (the pacer's figure and an ev_check
 * watcher's); a connection killed (CLIENT KILL) with commands queued and one
 * half handed over fires every callback exactly once, NULL, in order, before
 * the disconnect callback, and commands issued from those callbacks are
 * refused; wpace_disconnect() still runs everything queued before it and
 * refuses what comes after; redisAsyncFree() with a full FIFO fires every
 * callback once with NULL. */
#include <ev.h>
#include <fcntl.h>
#include <hiredis/adapters/libev.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/sds.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "wpace.h"

#define LIMIT ((size_t)64 * 1024)
#define NCMD 120
#define SLACK 64 /* the first piece of a command holds its name whole */

static struct ev_loop *loop;
static char tmpdir[64] = "/tmp/ingest-wpace-XXXXXX";
static char sock[128];

static const size_t sizes[] = {16, 3000, 40000, 150000, 600000};

static pid_t start_redis(void)
{
    snprintf(sock, sizeof sock, "%s/redis.sock", tmpdir);
    pid_t p = fork();
    if (p == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
        execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", sock, "--dir", tmpdir,
               "--save", "", "--appendonly", "no", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 400; i++) {
        redisContext *c = redisConnectUnix(sock);
        int ok = c && !c->err;
        redisFree(c);
        if (ok) return p;
        usleep(25000);
    }
    return -1;
}

static char *payload(int i, size_t *len)
{
    *len = sizes[i % 5];
    char *b = malloc(*len);
    for (size_t k = 0; b && k < *len; k++) b[k] = (char)('a' + (i * 7 + k) % 26);
    return b;
}

/* --- one run: state shared by the callbacks --- */

static int fired[NCMD], order_ok, nfired, last_seq, null_replies, refused_in_cb, disc_seen, disc_after;
static size_t seen_obuf;
static redisAsyncContext *cur;

static void reset(void)
{
    memset(fired, 0, sizeof fired);
    order_ok = 1, nfired = 0, last_seq = -1, null_replies = 0, refused_in_cb = 0, disc_seen = 0;
    disc_after = -1, seen_obuf = 0;
}

static void on_push(redisAsyncContext *ac, void *rv, void *priv)
{
    int i = (int)(long)priv;
    redisReply *r = rv;
    fired[i]++, nfired++;
    if (i <= last_seq) order_ok = 0;
    last_seq = i;
    if (!r) {
        null_replies++;
        if (wpace_command(ac, on_push, priv, "PING") != REDIS_OK) refused_in_cb++;
    } else if (r->type != REDIS_REPLY_INTEGER || r->integer != i + 1) {
        order_ok = 0;
    }
    if (nfired == NCMD && r) ev_break(loop, EVBREAK_ALL);
}

static void on_disc(const redisAsyncContext *ac, int status)
{
    (void)ac, (void)status;
    disc_seen++;
    disc_after = nfired;
    cur = NULL;
    ev_break(loop, EVBREAK_ALL);
}

static void on_check(struct ev_loop *l, ev_check *w, int ev)
{
    (void)l, (void)w, (void)ev;
    if (cur && cur->c.obuf && sdslen(cur->c.obuf) > seen_obuf) seen_obuf = sdslen(cur->c.obuf);
}

static void on_guard(struct ev_loop *l, ev_timer *t, int ev)
{
    (void)t, (void)ev;
    fprintf(stderr, "guard timer: the loop did not finish\n");
    ev_break(l, EVBREAK_ALL);
}

static void run_loop(void)
{
    ev_timer g;
    ev_timer_init(&g, on_guard, 60., 0.);
    ev_timer_start(loop, &g);
    ev_run(loop, 0);
    ev_timer_stop(loop, &g);
}

static redisAsyncContext *open_paced(void)
{
    redisAsyncContext *ac = redisAsyncConnectUnix(sock);
    CHECK(ac && !ac->err);
    redisLibevAttach(loop, ac);
    CHECK(wpace_attach(ac, loop, LIMIT) == 0);
    CHECK(wpace_attach(ac, loop, LIMIT) != 0); /* once */
    redisAsyncSetDisconnectCallback(ac, on_disc);
    return cur = ac;
}

static void queue_pushes(redisAsyncContext *ac, const char *key)
{
    for (int i = 0; i < NCMD; i++) {
        size_t len;
        char *b = payload(i, &len);
        const char *argv[3] = {"RPUSH", key, b};
        size_t lens[3] = {5, strlen(key), len};
        CHECK(b && wpace_argv(ac, on_push, (void *)(long)i, 3, argv, lens) == REDIS_OK);
        free(b);
    }
}

static int all_once(void)
{
    for (int i = 0; i < NCMD; i++)
        if (fired[i] != 1) return 0;
    return 1;
}

/* The list holds every payload, in order, byte for byte. */
static void check_list(const char *key)
{
    redisContext *c = redisConnectUnix(sock);
    redisReply *r = c ? redisCommand(c, "LRANGE %s 0 -1", key) : NULL;
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == NCMD);
    int same = r && r->elements == NCMD;
    for (int i = 0; same && i < NCMD; i++) {
        size_t len;
        char *b = payload(i, &len);
        same = b && r->element[i]->len == len && !memcmp(r->element[i]->str, b, len);
        free(b);
    }
    CHECK(same);
    if (r) freeReplyObject(r);
    redisFree(c);
}

static void test_order_and_bound(void)
{
    reset();
    redisAsyncContext *ac = open_paced();
    queue_pushes(ac, "order");
    run_loop();
    CHECK(nfired == NCMD && all_once() && order_ok && null_replies == 0);
    const wpace_stats *st = wpace_get_stats(ac);
    CHECK(st && st->queued > 0 && st->pieces > 0); /* the FIFO and the pieces were used */
    CHECK(st && st->max_obuf <= LIMIT + SLACK && st->max_obuf > LIMIT / 2);
    CHECK(seen_obuf > 0 && seen_obuf <= LIMIT + SLACK);
    CHECK(st && st->max_queued > 10 * LIMIT); /* most of it waited here, not in hiredis */
    check_list("order");
    redisAsyncFree(ac);
    cur = NULL;
    CHECK(disc_seen == 1);
}

/* CLIENT ID on the paced connection, then a kill from another one. */
static long long client_id;
static void on_id(redisAsyncContext *ac, void *rv, void *priv)
{
    (void)ac, (void)priv;
    redisReply *r = rv;
    client_id = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    ev_break(loop, EVBREAK_ALL);
}

static void test_kill_midway(void)
{
    reset();
    redisAsyncContext *ac = open_paced();
    CHECK(wpace_command(ac, on_id, NULL, "CLIENT ID") == REDIS_OK);
    run_loop();
    CHECK(client_id > 0);
    queue_pushes(ac, "killed");
    redisContext *c = redisConnectUnix(sock);
    redisReply *r = c ? redisCommand(c, "CLIENT KILL ID %lld", client_id) : NULL;
    CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
    if (r) freeReplyObject(r);
    redisFree(c);
    run_loop(); /* the first piece goes out, the connection is found dead */
    CHECK(disc_seen == 1 && disc_after == NCMD); /* callbacks first, then the disconnect */
    CHECK(all_once() && order_ok && null_replies == NCMD && refused_in_cb == NCMD);
}

static void test_clean_disconnect(void)
{
    reset();
    redisAsyncContext *ac = open_paced();
    queue_pushes(ac, "clean");
    wpace_disconnect(ac);
    CHECK(wpace_command(ac, on_push, (void *)0L, "PING") == REDIS_ERR); /* closing */
    run_loop();
    CHECK(disc_seen == 1 && all_once() && order_ok && null_replies == 0);
    check_list("clean");
}

static void test_free_with_queue(void)
{
    reset();
    redisAsyncContext *ac = open_paced();
    queue_pushes(ac, "freed");
    redisAsyncFree(ac); /* nothing was written: every callback NULL, once, in order */
    cur = NULL;
    CHECK(all_once() && order_ok && null_replies == NCMD);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(tmpdir)) return 2;
    loop = EV_DEFAULT;
    ev_check chk;
    ev_check_init(&chk, on_check);
    ev_check_start(loop, &chk);
    ev_unref(loop);
    pid_t rp = start_redis();
    CHECK(rp > 0);
    if (rp > 0) {
        test_order_and_bound();
        test_kill_midway();
        test_clean_disconnect();
        test_free_with_queue();
        kill(rp, SIGTERM);
        waitpid(rp, NULL, 0);
    }
    ev_ref(loop);
    ev_check_stop(loop, &chk);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmpdir);
    return t_done();
}
