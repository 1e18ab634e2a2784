/* redress-publish: publishes input events of the contract to Kafka, for the
 * one-machine fleet, demos and tests. It reads JSONL (one JSON event per
 * line) from the files given or from stdin, validates each line with the
 * same decoder the workers use (rdr_event_decode), and produces it to the
 * default topic of its kind with the contract's key and a content-type
 * header, as JSON (the line unchanged) or re-encoded as protobuf. With --raw
 * lines go out as they are, unvalidated, so that tests can feed the workers
 * messages that must end up in the dead-letter topic. The producer is
 * idempotent and the tool waits for every delivery report: it exits 0 only
 * if every line was valid and delivered. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "buf.h"
#include "event.h"
#include "version.h"
#include "yaml.h"

#define CT_JSON "application/json"
#define CT_PROTOBUF "application/x-protobuf"

typedef struct rdr_publish_s {
        rd_kafka_t *rk;
        rdr_input_kind_t kind; /* RDR_INPUT__CNT: infer per line */
        const char *topic;     /* NULL: the default topic of the kind */
        int protobuf;          /* --format protobuf */
        int raw;               /* --raw */
        long long shift_ms;    /* --time-shift */
        long produced, delivered, failed, invalid;
        rdr_event_t ev;
        rdr_buf_t val, key;
} rdr_publish_t;

static void usage(FILE *fp) {
        fprintf(fp,
                "Usage: redress-publish [options] [FILE.jsonl]...\n"
                "Publishes input events (one JSON object per line, from the "
                "files or stdin) to Kafka.\n"
                "  --bootstrap HOST:PORT  brokers (default: "
                "$REDRESS_KAFKA_BOOTSTRAP)\n"
                "  --kind KIND            reviews, chats, shipments, "
                "appeal-results or\n"
                "                         staff-decisions\n"
                "                         (default: from each event's "
                "\"type\")\n"
                "  --topic NAME           topic (default: the kind's, e.g. "
                "redress.reviews)\n"
                "  --format json|protobuf value encoding (default json)\n"
                "  --raw                  publish lines as they are, without "
                "validation\n"
                "  --time-shift DURATION  move every time of every event "
                "(created_at,\n"
                "                         sent_at, occurred_at, promised_by) "
                "by DURATION,\n"
                "                         e.g. 16d or -2h: old samples made "
                "recent\n"
                "  --version              print the version and the commit "
                "built\n");
}

/* Runs on the thread that calls rd_kafka_poll/flush (the main thread). */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                        void *opaque) {
        rdr_publish_t *pub = opaque;

        (void)rk;
        if (rkm->err) {
                pub->failed++;
                fprintf(stderr, "redress-publish: delivery to %s failed: %s\n",
                        rd_kafka_topic_name(rkm->rkt),
                        rd_kafka_err2str(rkm->err));
        } else {
                pub->delivered++;
        }
}

/* The JSON string member name of obj, or NULL. */
static const char *json_str(const json_t *obj, const char *name) {
        const json_t *v = json_object_get(obj, name);

        return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Key parts of the kind per the contract: store_id and the second member. */
static const char *key_member(rdr_input_kind_t kind) {
        switch (kind) {
        case RDR_INPUT_CHATS:
                return "buyer_id";
        case RDR_INPUT_APPEAL_RESULTS:
        case RDR_INPUT_STAFF_DECISIONS:
                return "case_id";
        default:
                return "order_id";
        }
}

static rdr_err_t set_key(rdr_publish_t *pub, const char *store,
                         const char *second) {
        rdr_buf_reset(&pub->key);
        if (!store || !second)
                return RDR_OK; /* raw line without them: no key */
        return rdr_buf_appendf(&pub->key, "%s/%s", store, second);
}

static rdr_err_t key_of_event(rdr_publish_t *pub, const rdr_event_t *ev) {
        switch (ev->kind) {
        case RDR_INPUT_REVIEWS:
                return set_key(pub, ev->u.review.store_id,
                               ev->u.review.order_id);
        case RDR_INPUT_CHATS:
                return set_key(pub, ev->u.chat.store_id, ev->u.chat.buyer_id);
        case RDR_INPUT_SHIPMENTS:
                return set_key(pub, ev->u.shipment.store_id,
                               ev->u.shipment.order_id);
        case RDR_INPUT_STAFF_DECISIONS:
                return set_key(pub, ev->u.staff.store_id, ev->u.staff.case_id);
        default:
                return set_key(pub, ev->u.appeal.store_id,
                               ev->u.appeal.case_id);
        }
}

/* The kind of a line: --kind, else from its "type". RDR_INPUT__CNT and a
 * reason in errstr if neither. root may be NULL (not JSON). */
static rdr_input_kind_t kind_of_line(const rdr_publish_t *pub,
                                     const json_t *root, char *errstr,
                                     size_t errstr_size) {
        const char *type;
        rdr_input_kind_t kind;

        if (pub->kind != RDR_INPUT__CNT)
                return pub->kind;
        type = root ? json_str(root, "type") : NULL;
        if (!type) {
                snprintf(errstr, errstr_size,
                         "cannot infer the kind: no string field 'type' "
                         "(use --kind)");
                return RDR_INPUT__CNT;
        }
        kind = rdr_input_kind_of_type(type, strlen(type));
        if (kind == RDR_INPUT__CNT)
                snprintf(errstr, errstr_size,
                         "field 'type': '%.64s' is not an event type of any "
                         "input kind",
                         type);
        return kind;
}

static rdr_err_t produce(rdr_publish_t *pub, const char *topic, const void *val,
                         size_t len, char *errstr, size_t errstr_size) {
        const char *ct = pub->protobuf ? CT_PROTOBUF : CT_JSON;
        rd_kafka_resp_err_t kerr;

        for (;;) {
                kerr = rd_kafka_producev(
                    pub->rk, RD_KAFKA_V_TOPIC(topic),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_KEY(pub->key.len ? pub->key.data : NULL,
                                   pub->key.len),
                    RD_KAFKA_V_VALUE((void *)(uintptr_t)val, len),
                    RD_KAFKA_V_HEADER("content-type", ct, (ssize_t)strlen(ct)),
                    RD_KAFKA_V_OPAQUE(NULL), RD_KAFKA_V_END);
                if (kerr != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        break;
                rd_kafka_poll(pub->rk, 100);
        }
        if (kerr) {
                snprintf(errstr, errstr_size, "cannot produce: %s",
                         rd_kafka_err2str(kerr));
                return RDR_ERR_KAFKA;
        }
        pub->produced++;
        rd_kafka_poll(pub->rk, 0);
        return RDR_OK;
}

/* Move the event's times by pub->shift_ms (--time-shift). Returns 0, or
 * -1 with errstr if one is not a time. */
static int shift_times(const rdr_publish_t *pub, json_t *root, char *errstr,
                       size_t errstr_size) {
        static const char *const fields[] = {"created_at", "sent_at",
                                             "occurred_at", "promised_by"};
        size_t i;
        for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
                json_t *v = json_object_get(root, fields[i]);
                char out[RDR_TIME_RFC3339_SIZE];
                int64_t ms;
                int ok = 0;
                if (!json_is_string(v))
                        continue;
                ms = rdr_time_parse_rfc3339(json_string_value(v),
                                            json_string_length(v), &ok);
                if (!ok) {
                        snprintf(errstr, errstr_size,
                                 "field '%s': not an RFC 3339 time, cannot "
                                 "shift it",
                                 fields[i]);
                        return -1;
                }
                rdr_time_format_rfc3339(ms + pub->shift_ms, out, sizeof(out));
                json_object_set_new(root, fields[i], json_string(out));
        }
        return 0;
}

/* One line (without its newline). Returns RDR_OK or an error with the
 * reason in errstr; blank lines are skipped. */
static rdr_err_t publish_line(rdr_publish_t *pub, const char *line, size_t len,
                              char *errstr, size_t errstr_size) {
        json_t *root = NULL;
        rdr_input_kind_t kind;
        const char *topic, *val = line;
        char *shifted = NULL;
        size_t i, vlen = len;
        rdr_err_t err;

        for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
                ;
        if (i == len)
                return RDR_OK;
        root = json_loadb(line, len, 0, NULL);
        if (root && !json_is_object(root)) {
                json_decref(root);
                root = NULL;
        }
        if (!root && !pub->raw && pub->kind == RDR_INPUT__CNT) {
                /* Not a JSON object: the decoder says why, whatever kind. */
                err = rdr_event_decode(&pub->ev, RDR_INPUT_REVIEWS, line, len,
                                       CT_JSON, errstr, errstr_size);
                if (err)
                        goto err;
        }
        if (root && pub->shift_ms) {
                if (shift_times(pub, root, errstr, errstr_size)) {
                        err = RDR_ERR_INVALID;
                        goto err;
                }
                shifted = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
                if (!shifted) {
                        snprintf(errstr, errstr_size, "out of memory");
                        err = RDR_ERR_NOMEM;
                        goto err;
                }
                val = line = shifted;
                vlen = len = strlen(shifted);
        }
        kind = kind_of_line(pub, root, errstr, errstr_size);
        if (kind == RDR_INPUT__CNT && !(pub->raw && pub->topic)) {
                err = RDR_ERR_INVALID;
                goto err;
        }
        topic = pub->topic ? pub->topic : rdr_input_kind_topics[kind];
        if (pub->raw) {
                const char *second =
                    kind == RDR_INPUT__CNT ? NULL : key_member(kind);
                err = set_key(pub, root ? json_str(root, "store_id") : NULL,
                              root && second ? json_str(root, second) : NULL);
                if (err) {
                        snprintf(errstr, errstr_size, "out of memory");
                        goto err;
                }
        } else {
                err = rdr_event_decode(&pub->ev, kind, line, len, CT_JSON,
                                       errstr, errstr_size);
                if (err)
                        goto err;
                err = key_of_event(pub, &pub->ev);
                if (!err && pub->protobuf) {
                        rdr_buf_reset(&pub->val);
                        err = rdr_event_encode_protobuf(&pub->ev, &pub->val);
                        val = pub->val.data;
                        vlen = pub->val.len;
                }
                if (err) {
                        snprintf(errstr, errstr_size, "cannot encode: %s",
                                 rdr_err2str(err));
                        goto err;
                }
        }
        err = produce(pub, topic, val, vlen, errstr, errstr_size);
err:
        json_decref(root);
        free(shifted);
        return err;
}

static int publish_file(rdr_publish_t *pub, FILE *fp, const char *name) {
        char *line = NULL, errstr[512];
        size_t cap = 0;
        ssize_t n;
        long lineno = 0;
        int bad = 0;

        while ((n = getline(&line, &cap, fp)) >= 0) {
                size_t len = (size_t)n;

                lineno++;
                while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        len--;
                errstr[0] = '\0';
                if (publish_line(pub, line, len, errstr, sizeof(errstr))) {
                        fprintf(stderr, "%s:%ld: %s\n", name, lineno, errstr);
                        pub->invalid++;
                        bad = 1;
                }
        }
        if (ferror(fp)) {
                fprintf(stderr, "%s: read error: %s\n", name, strerror(errno));
                bad = 1;
        }
        free(line);
        return bad;
}

static rd_kafka_t *producer_new(rdr_publish_t *pub, const char *bootstrap) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[512];
        rd_kafka_t *rk;

        if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "client.id", "redress-publish", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK)
                goto err;
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_conf_set_opaque(conf, pub);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk)
                goto err;
        return rk; /* rd_kafka_new owns conf now */
err:
        fprintf(stderr, "redress-publish: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
}

int main(int argc, char **argv) {
        rdr_publish_t pub;
        const char *bootstrap = getenv("REDRESS_KAFKA_BOOTSTRAP");
        int i, nfiles = 0, bad = 0, k;
        FILE *fp;

        memset(&pub, 0, sizeof(pub));
        pub.kind = RDR_INPUT__CNT;
        rdr_event_init(&pub.ev);
        rdr_buf_init(&pub.val);
        rdr_buf_init(&pub.key);
        for (i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--bootstrap") && i + 1 < argc) {
                        bootstrap = argv[++i];
                } else if (!strcmp(argv[i], "--kind") && i + 1 < argc) {
                        i++;
                        for (k = 0; k < RDR_INPUT__CNT; k++)
                                if (!strcmp(argv[i], rdr_input_kind_names[k]))
                                        break;
                        if (k == RDR_INPUT__CNT) {
                                fprintf(stderr,
                                        "redress-publish: unknown kind '%s'\n",
                                        argv[i]);
                                return 2;
                        }
                        pub.kind = (rdr_input_kind_t)k;
                } else if (!strcmp(argv[i], "--topic") && i + 1 < argc) {
                        pub.topic = argv[++i];
                } else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
                        i++;
                        if (!strcmp(argv[i], "protobuf")) {
                                pub.protobuf = 1;
                        } else if (strcmp(argv[i], "json")) {
                                fprintf(stderr,
                                        "redress-publish: --format must be "
                                        "json or protobuf\n");
                                return 2;
                        }
                } else if (!strcmp(argv[i], "--raw")) {
                        pub.raw = 1;
                } else if (!strcmp(argv[i], "--time-shift") && i + 1 < argc) {
                        const char *d = argv[++i];
                        int neg = d[0] == '-';
                        if (rdr_duration_parse(d + (neg || d[0] == '+'),
                                               &pub.shift_ms)) {
                                fprintf(stderr,
                                        "redress-publish: --time-shift %s: "
                                        "want a duration such as 16d, 2h or "
                                        "-30m\n",
                                        d);
                                return 2;
                        }
                        if (neg)
                                pub.shift_ms = -pub.shift_ms;
                } else if (!strcmp(argv[i], "--help") ||
                           !strcmp(argv[i], "-h")) {
                        usage(stdout);
                        return 0;
                } else if (!strcmp(argv[i], "--version")) {
                        rdr_version_print("redress-publish");
                        return 0;
                } else if (argv[i][0] == '-' && argv[i][1]) {
                        usage(stderr);
                        return 2;
                } else {
                        nfiles++;
                }
        }
        if (!bootstrap || !*bootstrap) {
                fprintf(stderr, "redress-publish: no --bootstrap and "
                                "REDRESS_KAFKA_BOOTSTRAP is not set\n");
                return 2;
        }
        pub.rk = producer_new(&pub, bootstrap);
        if (!pub.rk)
                return 2;

        if (!nfiles)
                bad |= publish_file(&pub, stdin, "<stdin>");
        for (i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--bootstrap") ||
                    !strcmp(argv[i], "--kind") || !strcmp(argv[i], "--topic") ||
                    !strcmp(argv[i], "--format") ||
                    !strcmp(argv[i], "--time-shift")) {
                        i++;
                        continue;
                }
                if (argv[i][0] == '-' && argv[i][1])
                        continue;
                if (!strcmp(argv[i], "-")) {
                        bad |= publish_file(&pub, stdin, "<stdin>");
                        continue;
                }
                fp = fopen(argv[i], "r");
                if (!fp) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        bad = 1;
                        continue;
                }
                bad |= publish_file(&pub, fp, argv[i]);
                fclose(fp);
        }

        rd_kafka_flush(pub.rk, 60 * 1000);
        if (rd_kafka_outq_len(pub.rk) > 0) {
                fprintf(stderr,
                        "redress-publish: %d messages not delivered in 60 s\n",
                        rd_kafka_outq_len(pub.rk));
                bad = 1;
        }
        if (pub.failed)
                bad = 1;
        fprintf(stderr, "published %ld events", pub.delivered);
        if (pub.invalid || pub.failed)
                fprintf(stderr, " (%ld invalid lines, %ld failed deliveries)",
                        pub.invalid, pub.failed);
        fprintf(stderr, "\n");

        rd_kafka_destroy(pub.rk);
        rdr_event_free(&pub.ev);
        rdr_buf_free(&pub.val);
        rdr_buf_free(&pub.key);
        return bad ? 1 : 0;
}
