/* eprep.c - embedding inputs made on a pool thread (see eprep.h). */
#include "eprep.h"

#include <stdlib.h>

#include "err.h"
#include "oai.h"

int eprep_input(const node_t *node, buf_t *tmp, buf_t *in)
{
    buf_reset(tmp);
    buf_reset(in);
    int rc = node_content(node, NODE_MODE_EMBED, tmp);
    return rc ? rc : oai_embed_input(tmp->p ? tmp->p : "", tmp->len, in);
}

int eprep_make(eprep *p, node_t *const *nodes, size_t n)
{
    *p = (eprep){0};
    if (!n) return 0;
    p->in = calloc(n, sizeof *p->in);
    p->len = calloc(n, sizeof *p->len);
    if (!p->in || !p->len) {
        free(p->in), free(p->len);
        *p = (eprep){0};
        return ERR_NOMEM;
    }
    p->n = n;
    buf_t tmp, in;
    buf_init(&tmp, 0);
    for (size_t i = 0; i < n; i++) {
        buf_init(&in, 0);
        if (eprep_input(nodes[i], &tmp, &in) || !in.len) {
            buf_free(&in); /* the stage makes it again and says why */
            continue;
        }
        p->len[i] = in.len;
        p->in[i] = buf_detach(&in, NULL);
    }
    buf_free(&tmp);
    return 0;
}

void eprep_free(eprep *p)
{
    for (size_t i = 0; p->in && i < p->n; i++) free(p->in[i]);
    free(p->in);
    free(p->len);
    *p = (eprep){0};
}
