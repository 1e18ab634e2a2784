/* The list of peer sellers: "platform\x1fbuyer" strings, sorted, searched
 * with bsearch(). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peers.h"
#include "yaml.h"

#define PEER_ID_MAX 128

struct rdr_peers_s {
        char **keys; /* sorted */
        size_t cnt;
};

/* An account while loading: its key and where the file lists it. */
typedef struct entry_s {
        char *key;
        const rdr_yaml_t *node;
        const char *platform, *id;
} entry_t;

/* What rdr_peers_has() looks for, compared with a stored key in place
 * (no key is built per lookup: it runs once per review). */
typedef struct wanted_s {
        const char *platform, *buyer_id;
} wanted_t;

static int by_wanted(const void *a, const void *b) {
        const wanted_t *w = a;
        const char *k = *(char *const *)b;
        size_t lp = strlen(w->platform);
        int d = strncmp(w->platform, k, lp);
        if (d)
                return d;
        /* The platform's end against the separator, then the account. */
        d = (unsigned char)'\x1f' - (unsigned char)k[lp];
        return d ? d : strcmp(w->buyer_id, k + lp + 1);
}

static int by_entry(const void *a, const void *b) {
        return strcmp(((const entry_t *)a)->key, ((const entry_t *)b)->key);
}

static char *peer_key(const char *platform, const char *buyer_id) {
        size_t lp = strlen(platform), lb = strlen(buyer_id);
        char *k = malloc(lp + lb + 2);
        if (!k)
                return NULL;
        memcpy(k, platform, lp);
        k[lp] = '\x1f';
        memcpy(k + lp + 1, buyer_id, lb + 1);
        return k;
}

void rdr_peers_destroy(rdr_peers_t *p) {
        size_t i;
        if (!p)
                return;
        for (i = 0; i < p->cnt; i++)
                free(p->keys[i]);
        free(p->keys);
        free(p);
}

/* Add the accounts of one platform (seq) to *es. Returns 0 or -1
 * (errstr). */
static int add_platform(entry_t **es, size_t *cnt, const char *platform,
                        const rdr_yaml_t *seq, const char *platforms_dir,
                        char *errstr, size_t errstr_size) {
        char what[160], path[1024];
        size_t i, n = rdr_yaml_len(seq);
        entry_t *grown;
        snprintf(what, sizeof(what), "peers.%s", platform);
        if (rdr_yaml_type(seq) != RDR_YAML_SEQ) {
                rdr_yaml_error(seq, what, errstr, errstr_size,
                               "a list of buyer accounts is expected");
                return -1;
        }
        if (platforms_dir) {
                snprintf(path, sizeof(path), "%s/%s.yaml", platforms_dir,
                         platform);
                /* Only a file that is not there: one that cannot be read
                 * (or a platforms_dir that cannot be) is the policy set's
                 * to report, with why. */
                if (access(path, R_OK) && errno == ENOENT) {
                        rdr_yaml_error(seq, what, errstr, errstr_size,
                                       "no policy for platform '%s' (%s)",
                                       platform, path);
                        return -1;
                }
        }
        grown = realloc(*es, (*cnt + n + 1) * sizeof(*grown));
        if (!grown) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        *es = grown;
        for (i = 0; i < n; i++) {
                entry_t *e = &grown[*cnt];
                if (rdr_yaml_as_str(rdr_yaml_at(seq, i), what, PEER_ID_MAX,
                                    &e->id, errstr, errstr_size))
                        return -1;
                if (!*e->id) {
                        rdr_yaml_error(rdr_yaml_at(seq, i), what, errstr,
                                       errstr_size, "an empty buyer account");
                        return -1;
                }
                e->node = rdr_yaml_at(seq, i);
                e->platform = platform;
                if (!(e->key = peer_key(platform, e->id))) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
                (*cnt)++;
        }
        return 0;
}

/* Sort the accounts into p, refusing one listed twice. */
static int take_sorted(rdr_peers_t *p, entry_t *es, size_t cnt, char *errstr,
                       size_t errstr_size) {
        size_t i;
        if (cnt)
                qsort(es, cnt, sizeof(*es), by_entry);
        for (i = 1; i < cnt; i++)
                if (!strcmp(es[i - 1].key, es[i].key)) {
                        char what[160];
                        const entry_t *later =
                            rdr_yaml_line(es[i].node) >
                                    rdr_yaml_line(es[i - 1].node)
                                ? &es[i]
                                : &es[i - 1];
                        snprintf(what, sizeof(what), "peers.%s",
                                 later->platform);
                        rdr_yaml_error(later->node, what, errstr, errstr_size,
                                       "'%s' is listed twice", later->id);
                        return -1;
                }
        if (cnt && !(p->keys = calloc(cnt, sizeof(*p->keys)))) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        for (i = 0; i < cnt; i++) {
                p->keys[i] = es[i].key;
                es[i].key = NULL;
        }
        p->cnt = cnt;
        return 0;
}

void rdr_peers_doc(void *fp) {
        fprintf(fp, "\n## configs/peers.yaml\n\n`peers: {<platform>: "
                    "[<buyer account>, ...]}`: the accounts of peer sellers. "
                    "A negative review from one is a `competitor`'s "
                    "(malicious track) and the account is tagged fleet-wide. "
                    "The platform needs a file in platforms/; no file: no "
                    "peers.\n");
}

rdr_peers_t *rdr_peers_load_file(const char *path, const char *platforms_dir,
                                 char *errstr, size_t errstr_size) {
        rdr_peers_t *p = calloc(1, sizeof(*p));
        rdr_yaml_t *root, *peers;
        entry_t *es = NULL;
        size_t i, cnt = 0;
        int rc = -1;
        if (!p) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        if (access(path, F_OK))
                return p; /* no file: no peers */
        if (!(root = rdr_yaml_load_file(path, errstr, errstr_size))) {
                free(p);
                return NULL;
        }
        for (i = 0; i < rdr_yaml_len(root); i++)
                if (strcmp(rdr_yaml_key(root, i), "peers")) {
                        rdr_yaml_error(rdr_yaml_at(root, i),
                                       rdr_yaml_key(root, i), errstr,
                                       errstr_size, "unknown key");
                        goto done;
                }
        peers = rdr_yaml_get(root, "peers");
        if (peers && rdr_yaml_type(peers) != RDR_YAML_MAP &&
            !(rdr_yaml_type(peers) == RDR_YAML_SCALAR &&
              !*rdr_yaml_scalar(peers))) {
                rdr_yaml_error(peers, "peers", errstr, errstr_size,
                               "a map of platform to buyer accounts is "
                               "expected");
                goto done;
        }
        for (i = 0; peers && rdr_yaml_type(peers) == RDR_YAML_MAP &&
                    i < rdr_yaml_len(peers);
             i++)
                if (add_platform(&es, &cnt, rdr_yaml_key(peers, i),
                                 rdr_yaml_at(peers, i), platforms_dir, errstr,
                                 errstr_size))
                        goto done;
        rc = take_sorted(p, es, cnt, errstr, errstr_size);
done:
        for (i = 0; i < cnt; i++)
                free(es[i].key);
        free(es);
        rdr_yaml_destroy(root);
        if (rc) {
                rdr_peers_destroy(p);
                return NULL;
        }
        return p;
}

int rdr_peers_has(const rdr_peers_t *p, const char *platform,
                  const char *buyer_id) {
        wanted_t w;
        if (!p || !p->cnt || !platform || !buyer_id)
                return 0;
        w.platform = platform;
        w.buyer_id = buyer_id;
        return bsearch(&w, p->keys, p->cnt, sizeof(*p->keys), by_wanted) !=
               NULL;
}

size_t rdr_peers_count(const rdr_peers_t *p) {
        return p ? p->cnt : 0;
}
