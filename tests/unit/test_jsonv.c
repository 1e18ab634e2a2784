/* The JSON reader of input events: what it accepts and how, what it
 * refuses and where, checked against jansson on the same inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "jsonv.h"

/* A bump allocator over one block, reset per test input. */
static char pool[1 << 16];
static size_t pool_used;

static void *pool_alloc(void *ctx, size_t n) {
        void *p;
        (void)ctx;
        n = (n + 15) & ~(size_t)15;
        if (pool_used + n > sizeof(pool))
                return NULL;
        p = pool + pool_used;
        pool_used += n;
        return p;
}

/* The allocator of the large documents: from the caller's block
 * (big_pool, big_size), reset per parse. */
static char *big_pool;
static size_t big_used, big_size;

static void *big_alloc(void *ctx, size_t n) {
        void *p;
        (void)ctx;
        n = (n + 15) & ~(size_t)15;
        if (big_used + n > big_size)
                return NULL;
        p = big_pool + big_used;
        big_used += n;
        return p;
}

static rdr_jv_t *parse(const char *s, size_t len, rdr_jv_error_t *err) {
        pool_used = 0;
        return rdr_jv_parse(s, len, pool_alloc, NULL, err);
}

static void test_values(void **state) {
        static const char doc[] =
            " {\"s\": \"plain\", \"e\": \"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\u4e2d"
            "\\ud83d\\ude00\", \"i\": -9223372036854775808, \"j\": "
            "9223372036854775807, \"r\": -1.5e3, \"t\": true, \"f\": false, "
            "\"n\": null, \"a\": [1, [], {}], \"o\": {\"k\": \"v\"}, "
            "\"nul\": \"x\\u0000y\", \"\\u0041\": 0} \n";
        rdr_jv_error_t err;
        rdr_jv_t *root = parse(doc, sizeof(doc) - 1, &err);
        const rdr_jv_t *v;
        (void)state;
        assert_non_null(root);
        assert_int_equal(root->type, RDR_JV_OBJECT);
        v = rdr_jv_get(root, "s");
        assert_int_equal(v->type, RDR_JV_STRING);
        assert_int_equal(v->len, 5);
        assert_memory_equal(v->s, "plain", 5);
        v = rdr_jv_get(root, "e");
        assert_int_equal(v->len, strlen("a\"b\\c/d\n\t\xc3\xa9\xe4\xb8\xad"
                                        "\xf0\x9f\x98\x80"));
        assert_memory_equal(
            v->s, "a\"b\\c/d\n\t\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80", v->len);
        assert_int_equal(rdr_jv_get(root, "i")->i, INT64_MIN);
        assert_int_equal(rdr_jv_get(root, "j")->i, INT64_MAX);
        assert_int_equal(rdr_jv_get(root, "r")->type, RDR_JV_REAL);
        assert_int_equal(rdr_jv_get(root, "t")->type, RDR_JV_TRUE);
        assert_int_equal(rdr_jv_get(root, "f")->type, RDR_JV_FALSE);
        assert_int_equal(rdr_jv_get(root, "n")->type, RDR_JV_NULL);
        v = rdr_jv_get(root, "a");
        assert_int_equal(v->type, RDR_JV_ARRAY);
        assert_int_equal(v->child->i, 1);
        assert_int_equal(v->child->next->type, RDR_JV_ARRAY);
        assert_int_equal(v->child->next->next->type, RDR_JV_OBJECT);
        assert_null(v->child->next->next->next);
        v = rdr_jv_get(rdr_jv_get(root, "o"), "k");
        assert_memory_equal(v->s, "v", 1);
        v = rdr_jv_get(root, "nul");
        assert_int_equal(v->len, 3);
        assert_memory_equal(v->s, "x\0y", 3);
        assert_non_null(rdr_jv_get(root, "A"));
        assert_null(rdr_jv_get(root, "missing"));
}

/* Numbers beyond what long long or double hold are read, flagged: a
 * member nobody asks for (a field the contract does not name) must not
 * refuse the message. */
static void test_numbers_out_of_range(void **state) {
        static const char doc[] =
            "{\"a\": 9223372036854775808, \"b\": -9223372036854775809, "
            "\"c\": 1e999, \"d\": 18446744073709551615, \"e\": 7, "
            "\"f\": 1.5}";
        rdr_jv_error_t err;
        rdr_jv_t *root = parse(doc, sizeof(doc) - 1, &err);
        (void)state;
        assert_non_null(root);
        assert_int_equal(rdr_jv_get(root, "a")->type, RDR_JV_INT);
        assert_int_equal(rdr_jv_get(root, "a")->overflow, 1);
        assert_int_equal(rdr_jv_get(root, "b")->overflow, 1);
        assert_int_equal(rdr_jv_get(root, "c")->type, RDR_JV_REAL);
        assert_int_equal(rdr_jv_get(root, "c")->overflow, 1);
        assert_int_equal(rdr_jv_get(root, "d")->overflow, 1);
        assert_int_equal(rdr_jv_get(root, "e")->overflow, 0);
        assert_int_equal(rdr_jv_get(root, "e")->i, 7);
        assert_int_equal(rdr_jv_get(root, "f")->overflow, 0);
}

/* An object of many members is checked for a duplicate key in about
 * n log n comparisons, not n^2: a message of 100,000 members (1 MiB, an
 * event's limit) is read at once, and a duplicate among them is found. */
static void test_many_members(void **state) {
        enum { N = 100000 };
        static char doc[N * 12 + 64];
        size_t n = 0, i;
        rdr_jv_error_t err;
        rdr_jv_t *root;
        (void)state;
        big_size = (size_t)N * 256;
        big_pool = malloc(big_size);
        assert_non_null(big_pool);
        doc[n++] = '{';
        for (i = 0; i < N; i++)
                n += (size_t)sprintf(doc + n, "%s\"%zu\":0", i ? "," : "", i);
        doc[n++] = '}';
        big_used = 0;
        root = rdr_jv_parse(doc, n, big_alloc, NULL, &err);
        assert_non_null(root);
        assert_non_null(rdr_jv_get(root, "99999"));
        /* the same key again, last */
        n--;
        n += (size_t)sprintf(doc + n, ",\"%d\":1}", 4242);
        big_used = 0;
        root = rdr_jv_parse(doc, n, big_alloc, NULL, &err);
        free(big_pool);
        assert_null(root);
        assert_int_equal(err.code, RDR_JV_ESYNTAX);
        assert_non_null(strstr(err.text, "duplicate"));
}

/* Refusals: the kind of error and the byte it points at. */
static void test_errors(void **state) {
        static const struct {
                const char *doc;
                rdr_jv_err_t code;
                size_t pos;
        } cases[] = {
            {"", RDR_JV_ESYNTAX, 0},
            {"{\"a\": 1,}", RDR_JV_ESYNTAX, 8},
            {"{\"a\": 1 \"b\": 2}", RDR_JV_ESYNTAX, 8},
            {"{\"a\": 1, \"a\": 2}", RDR_JV_ESYNTAX, 9},
            {"{\"a\": 01}", RDR_JV_ESYNTAX, 7},
            {"{\"a\": 1.}", RDR_JV_ESYNTAX, 6},
            {"{\"a\": -}", RDR_JV_ESYNTAX, 6},
            {"{\"a\": tru}", RDR_JV_ESYNTAX, 6},
            {"{\"a\": \"x} ", RDR_JV_ESYNTAX, 6},
            {"{\"a\": \"\\x\"}", RDR_JV_ESYNTAX, 7},
            {"{\"a\": \"\\ud800\"}", RDR_JV_ESYNTAX, 7},
            {"{\"a\": \"\\udc00\"}", RDR_JV_ESYNTAX, 7},
            {"{\"a\": \"\\u12g4\"}", RDR_JV_ESYNTAX, 7},
            {"{\"a\": \"tab\there\"}", RDR_JV_ESYNTAX, 10},
            {"{\"a\": \"\xc3\x28\"}", RDR_JV_EUTF8, 7},
            {"{\"a\": \"\xed\xa0\x80\"}", RDR_JV_EUTF8, 7},
            {"{\"a\": \"\xc0\xaf\"}", RDR_JV_EUTF8, 7},
            {"{\"\xff\": 1}", RDR_JV_EUTF8, 2},
            {"{} x", RDR_JV_ESYNTAX, 3},
            {"{\"a\": [1 2]}", RDR_JV_ESYNTAX, 9},
        };
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                rdr_jv_error_t err;
                rdr_jv_t *root =
                    parse(cases[i].doc, strlen(cases[i].doc), &err);
                if (root || err.code != cases[i].code ||
                    err.pos != cases[i].pos)
                        fail_msg("%s: got %s code %d at %zu (%s), want code "
                                 "%d at %zu",
                                 cases[i].doc, root ? "a tree" : "an error",
                                 (int)err.code, err.pos, err.text,
                                 (int)cases[i].code, cases[i].pos);
                assert_true(err.text[0] != '\0');
                assert_true(err.line >= 1 && err.column >= 1);
        }
}

static void test_depth_and_memory(void **state) {
        char deep[200];
        rdr_jv_error_t err;
        size_t i;
        (void)state;
        for (i = 0; i < 100; i++)
                deep[i] = '[';
        for (i = 0; i < 100; i++)
                deep[100 + i] = ']';
        assert_null(parse(deep, 200, &err));
        assert_int_equal(err.code, RDR_JV_ESYNTAX);
        assert_non_null(parse(deep + 40, 120, &err)); /* depth 60 */
        /* The allocator saying no is an error, not a crash. */
        pool_used = sizeof(pool);
        assert_null(
            rdr_jv_parse("{\"a\": [1, 2]}", 13, pool_alloc, NULL, &err));
        assert_int_equal(err.code, RDR_JV_ENOMEM);
}

/* Line and column of an error, as a person reading the message counts. */
static void test_position(void **state) {
        static const char doc[] = "{\n  \"a\": 1,\n  \"b\": x\n}";
        rdr_jv_error_t err;
        (void)state;
        assert_null(parse(doc, sizeof(doc) - 1, &err));
        assert_int_equal(err.line, 3);
        assert_int_equal(err.column, 8);
        assert_non_null(strstr(err.text, "near 'x"));
}

/* What ends or breaks a string (an escape, the closing quote, a control
 * character, UTF-8 valid or not) is seen at every place of strings of 1 to
 * 20 bytes, and an error is reported at its byte. Each closed document is
 * a block of its own size, so that a read past its end shows under
 * AddressSanitizer; an unclosed one is the same block cut short. */
static void test_strings_at_every_offset(void **state) {
        size_t len, pos;
        (void)state;
        for (len = 1; len <= 20; len++)
                for (pos = 0; pos < len; pos++) {
                        /* {"a":"xxx...x"} with the string's byte pos set */
                        enum { HEAD = 6 };
                        char *doc = malloc(HEAD + len + 2);
                        char want[24];
                        rdr_jv_error_t err;
                        rdr_jv_t *root;
                        const rdr_jv_t *v;
                        size_t n = HEAD + len + 2, k;
                        assert_non_null(doc);
                        memcpy(doc, "{\"a\":\"", HEAD);
                        memcpy(doc + HEAD + len, "\"}", 2);
                        for (k = 0; k < 5; k++) {
                                static const char bytes[] = {'\t', '\xff',
                                                             '\x80', '"'};
                                memset(doc + HEAD, 'x', len);
                                if (k < 4)
                                        doc[HEAD + pos] = bytes[k];
                                else /* an escape: \n in the text */
                                        memcpy(doc + HEAD + pos, "\\n", 2);
                                root = parse(doc, n, &err);
                                if (k == 3) { /* the string ends at pos */
                                        assert_null(root);
                                        assert_int_equal(err.code,
                                                         RDR_JV_ESYNTAX);
                                        continue;
                                }
                                if (k < 3) {
                                        assert_null(root);
                                        assert_int_equal(err.code,
                                                         k ? RDR_JV_EUTF8
                                                           : RDR_JV_ESYNTAX);
                                        assert_int_equal(err.pos, HEAD + pos);
                                        continue;
                                }
                                if (pos + 1 == len) /* no room for \n */
                                        continue;
                                assert_non_null(root);
                                v = rdr_jv_get(root, "a");
                                memset(want, 'x', len - 1);
                                want[pos] = '\n';
                                assert_int_equal(v->len, len - 1);
                                assert_memory_equal(v->s, want, len - 1);
                        }
                        /* Valid UTF-8 (é) at pos, and no closing quote. */
                        memset(doc + HEAD, 'x', len);
                        if (pos + 1 < len) {
                                memcpy(doc + HEAD + pos, "\xc3\xa9", 2);
                                root = parse(doc, n, &err);
                                assert_non_null(root);
                                v = rdr_jv_get(root, "a");
                                assert_int_equal(v->len, len);
                                assert_memory_equal(v->s, doc + HEAD, len);
                        }
                        assert_null(parse(doc, HEAD + len, &err));
                        assert_int_equal(err.code, RDR_JV_ESYNTAX);
                        assert_int_equal(err.pos, HEAD - 1);
                        free(doc);
                }
}

/* Same verdict as jansson (duplicates refused, NUL allowed) on inputs
 * around the edges of the grammar. */
static void test_agrees_with_jansson(void **state) {
        static const char *const docs[] = {
            "{}",
            "[]",
            "{\"a\":{\"b\":[true,false,null,0,-0,0.5,1E+2,-1e-2]}}",
            "{\"a\":\"\\u00\"}",
            "{\"a\" : \"b\" , \"c\" : [ ] }",
            "{\"a\":1}{",
            "{\"a\":1,\"b\":{\"a\":2}}",
            "{\"a\":\"\xe4\xb8\xad\xe6\x96\x87\"}",
            "{\"a\":\"\xe4\xb8\"}",
            "{\"a\":\"\xf4\x90\x80\x80\"}",
            "{\"a\":\"\xf0\x9f\x98\x80\"}",
            "{\"a\":1.0e}",
            "{\"a\":+1}",
            "{\"a\":.5}",
            "{\"a\":\"\\uDBFF\\uDFFF\"}",
            "{\"a\":\"\\\"\"}",
            "\"top\"",
            "  [ 1 , 2 ]  ",
            "{\"a\":[}",
            "{\"a\"}",
            "{,}",
            "nul",
            "-",
            "1 2",
        };
        size_t i;
        (void)state;
        for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
                rdr_jv_error_t err;
                json_error_t je;
                json_t *j = json_loadb(docs[i], strlen(docs[i]),
                                       JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL |
                                           JSON_DECODE_ANY,
                                       &je);
                rdr_jv_t *v = parse(docs[i], strlen(docs[i]), &err);
                if (!j != !v)
                        fail_msg("%s: jansson %s, rdr_jv %s (%s)", docs[i],
                                 j ? "accepts" : "refuses",
                                 v ? "accepts" : "refuses", err.text);
                json_decref(j);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_values),
            cmocka_unit_test(test_errors),
            cmocka_unit_test(test_numbers_out_of_range),
            cmocka_unit_test(test_many_members),
            cmocka_unit_test(test_depth_and_memory),
            cmocka_unit_test(test_position),
            cmocka_unit_test(test_strings_at_every_offset),
            cmocka_unit_test(test_agrees_with_jansson),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
