/* Text side of the classifier: normalization of a review or chat message
 * (and of every lexicon phrase, with the same function, so that both sides
 * agree byte for byte) and the walk of the phrase trie over it. The
 * normalized text is a run of tokens separated by one space: Latin words in
 * lower case with accents folded and apostrophes dropped ("Didn't" and
 * "didnt" are one word), runs of Han characters kept whole (a phrase may
 * start at any character of a run: no word splitting), each emoji and each
 * punctuation mark as a token of its own. Nothing here allocates. */
#include <string.h>
#include "classify_int.h"

/* Token classes of the normalizer. */
enum { C_SEP, C_WORD, C_HAN, C_PUNCT, C_EMOJI };

/* Latin-1 Supplement and Latin Extended-A (U+00C0..U+017F) folded to an
 * ASCII letter; ' ' for the two signs (multiplication, division). */
static const char fold_c0[] = "aaaaaaaceeeeiiiidnooooo ouuuuyts"  /* C0..DF */
                              "aaaaaaaceeeeiiiidnooooo ouuuuyty"  /* E0..FF */
                              "aaaaaaccccccccddddeeeeeeeeeegggg"  /* 100..11F */
                              "gggghhhhiiiiiiiiiiiijjkkklllllll"  /* 120..13F */
                              "lllnnnnnnnnnoooooooorrrrrrssssss"  /* 140..15F */
                              "sssttttttuuuuuuuuuuuuwwyyyzzzzzs"; /* 160..17F */

/* Decodes one UTF-8 character at s[0..len); returns its length, or 0 for an
 * invalid sequence (the caller skips one byte). */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp) {
        uint32_t c = s[0];
        size_t n, i;
        if (c < 0x80) {
                *cp = c;
                return 1;
        }
        if (c >= 0xC2 && c <= 0xDF) {
                n = 2;
                c &= 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
                n = 3;
                c &= 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
                n = 4;
                c &= 0x07;
        } else {
                return 0;
        }
        if (n > len)
                return 0;
        for (i = 1; i < n; i++) {
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
                c = (c << 6) | (s[i] & 0x3F);
        }
        if ((n == 3 && c < 0x800) ||
            (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
            (c >= 0xD800 && c <= 0xDFFF))
                return 0;
        *cp = c;
        return n;
}

static int is_han(uint32_t c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
               (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FA1F);
}

/* Other scripts written without spaces (kana, hangul): matched like Han but
 * not counted as Chinese. */
static int is_cjk_other(uint32_t c) {
        return (c >= 0x3040 && c <= 0x30FF) || (c >= 0xAC00 && c <= 0xD7AF);
}

static int is_emoji(uint32_t c) {
        return (c >= 0x1F300 && c <= 0x1FAFF &&
                !(c >= 0x1F3FB && c <= 0x1F3FF)) ||
               (c >= 0x1F000 && c <= 0x1F2FF &&
                !(c >= 0x1F1E6 && c <= 0x1F1FF)) ||
               (c >= 0x2600 && c <= 0x27BF) || (c >= 0x2B00 && c <= 0x2BFF);
}

/* Characters that vanish: variation selectors, joiners, skin tones, flags'
 * letters, and apostrophes (handled by the caller inside words). */
static int is_ignorable(uint32_t c) {
        return c == 0xFE0F || c == 0xFE0E || c == 0x200D || c == 0x200B ||
               c == 0x200C || c == 0xFEFF || c == 0x00AD ||
               (c >= 0x1F3FB && c <= 0x1F3FF) || (c >= 0x1F1E6 && c <= 0x1F1FF);
}

static int is_apostrophe(uint32_t c) {
        return c == '\'' || c == 0x2019 || c == 0x2018 || c == 0x00B4 ||
               c == '`';
}

/* Punctuation kept, as its ASCII form, or 0. */
static char punct_of(uint32_t c) {
        switch (c) {
        case '.':
        case 0x3002:
        case 0xFF0E:
        case 0x2026:
        case 0xFF61:
                return '.';
        case ',':
        case 0xFF0C:
        case 0x3001:
        case 0xFF64:
                return ',';
        case '!':
        case 0xFF01:
        case 0x00A1:
                return '!';
        case '?':
        case 0xFF1F:
        case 0x00BF:
                return '?';
        case ';':
        case ':':
        case 0xFF1B:
        case 0xFF1A:
                return ';';
        case '$':
        case 0x20AC:
        case 0x00A3:
        case 0x00A5:
        case 0xFFE5:
                return '$';
        default:
                return 0;
        }
}

static int is_spanish_mark(uint32_t c) {
        switch (c) {
        case 0xF1:
        case 0xD1:
        case 0xE1:
        case 0xE9:
        case 0xED:
        case 0xF3:
        case 0xFA:
        case 0xC1:
        case 0xC9:
        case 0xCD:
        case 0xD3:
        case 0xDA:
        case 0xBF:
        case 0xA1:
                return 1;
        default:
                return 0;
        }
}

/* The normalizer's output and counters. */
typedef struct norm_out_s {
        char *buf;
        size_t cap, len;
        int prev;         /* class of the last character written, or C_SEP */
        char last_punct;  /* to fold "!!!" into one "!" */
        uint32_t last_cp; /* to fold letter runs of 3+ into 2 */
        int run;          /* length of the current same-letter run */
        size_t units;
        uint64_t word_units; /* rdr_clf_text_t's */
        size_t han, latin_words, accents;
        int word_counted; /* the current word has a letter (counted once) */
        int last_class;   /* class of the last token, for phrases */
} norm_out_t;

/* Appends bytes of one character of class cls; starts a new token (with a
 * space) unless it continues a word or a Han run. Returns -1 when full. */
static inline int emit(norm_out_t *no, int cls, const char *bytes, size_t n) {
        int joins = (cls == C_WORD && no->prev == C_WORD) ||
                    (cls == C_HAN && no->prev == C_HAN);
        if (no->len + n + 2 > no->cap)
                return -1;
        if (!joins && no->len > 0)
                no->buf[no->len++] = ' ';
        memcpy(no->buf + no->len, bytes, n);
        no->len += n;
        if (cls == C_HAN || !joins) {
                if ((cls == C_WORD || cls == C_HAN) && no->units < 64)
                        no->word_units |= 1ull << no->units;
                no->units++;
        }
        if (cls == C_WORD) {
                /* a word counts for detection once it has a letter: "12345"
                 * tells no language */
                if (!joins)
                        no->word_counted = 0;
                if (!no->word_counted &&
                    !((unsigned char)bytes[0] >= '0' && bytes[0] <= '9')) {
                        no->word_counted = 1;
                        no->latin_words++;
                }
        }
        no->prev = cls;
        no->last_class = cls;
        return 0;
}

/* State of a run of digits and separators that may be a phone number. */
typedef struct phone_run_s {
        int open, plus, letter_before, last_digit;
        size_t digits, group, max_group, groups;
        char first2[2];
} phone_run_t;

/* A run ended (before character c, or at the end when c is 0). */
static void phone_run_end(phone_run_t *pr, uint32_t c, rdr_clf_text_t *t) {
        /* a letter right after the digits: a code such as LX123456789CN */
        int letter_after =
            pr->last_digit && (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
        pr->open = 0;
        if (pr->letter_before || letter_after || pr->digits < 9 ||
            pr->digits > 15)
                return;
        if (pr->groups > 1) {
                if (pr->max_group >= 3 && pr->groups <= 5)
                        t->phones++;
        } else if (pr->plus) {
                t->phones++;
        } else if (pr->digits == 11 && pr->first2[0] == '1' &&
                   pr->first2[1] >= '3' && pr->first2[1] <= '9') {
                t->phones++; /* a mainland mobile number */
        } else {
                t->phones_plain++;
        }
}

static void phone_feed(phone_run_t *pr, const unsigned char *s, size_t i,
                       uint32_t c, rdr_clf_text_t *t) {
        int isdig = c >= '0' && c <= '9';
        if (isdig) {
                if (!pr->open) {
                        memset(pr, 0, sizeof(*pr));
                        pr->open = 1;
                        pr->letter_before =
                            i > 0 && ((s[i - 1] | 0x20) >= 'a' &&
                                      (s[i - 1] | 0x20) <= 'z');
                }
                if (pr->digits < 2)
                        pr->first2[pr->digits] = (char)c;
                pr->digits++;
                if (!pr->group)
                        pr->groups++;
                if (++pr->group > pr->max_group)
                        pr->max_group = pr->group;
                pr->last_digit = 1;
        } else if (c == '+' && !pr->open) {
                memset(pr, 0, sizeof(*pr));
                pr->open = 1;
                pr->plus = 1;
        } else if (pr->open &&
                   (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')')) {
                pr->group = 0;
                pr->last_digit = 0;
        } else if (pr->open) {
                phone_run_end(pr, c, t);
        }
}

/* "x@y.z" starting at the '@' at s[i]. */
static int email_at(const unsigned char *s, size_t len, size_t i) {
        size_t j = i + 1;
        int dot = 0;
        if (i == 0 ||
            !(((s[i - 1] | 0x20) >= 'a' && (s[i - 1] | 0x20) <= 'z') ||
              (s[i - 1] >= '0' && s[i - 1] <= '9')))
                return 0;
        while (j < len && j < i + 64 &&
               (((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z') ||
                (s[j] >= '0' && s[j] <= '9') || s[j] == '.' || s[j] == '-')) {
                if (s[j] == '.' && j + 1 < len && (s[j + 1] | 0x20) >= 'a' &&
                    (s[j + 1] | 0x20) <= 'z')
                        dot = 1;
                j++;
        }
        return dot && j > i + 3;
}

static void normalize_into(const char *text, size_t len, norm_out_t *no,
                           rdr_clf_text_t *t) {
        const unsigned char *s = (const unsigned char *)text;
        size_t i = 0, n;
        uint32_t c;
        phone_run_t pr;

        memset(&pr, 0, sizeof(pr));
        while (i < len) {
                char ch[4];
                size_t chn = 0;
                int cls = C_SEP;

                c = s[i];
                if (c < 0x80 && no->prev == C_WORD &&
                    ((c >= 'a' && c <= 'z') || c == ' ') && !(t && pr.open)) {
                        /* the common case: a lower-case word goes on */
                        if (c == ' ') {
                                no->prev = C_SEP;
                                no->run = 0;
                                i++;
                                continue;
                        }
                        if (c == no->last_cp) {
                                if (++no->run >= 2) {
                                        i++;
                                        continue;
                                }
                        } else {
                                no->run = 0;
                        }
                        if (no->len + 3 > no->cap)
                                break;
                        no->buf[no->len++] = (char)c;
                        no->last_cp = c;
                        if (!no->word_counted) {
                                no->word_counted = 1;
                                no->latin_words++;
                        }
                        i++;
                        continue;
                }
                n = utf8_decode(s + i, len - i, &c);
                if (!n) {
                        i++; /* invalid byte: skip it */
                        no->prev = C_SEP;
                        continue;
                }
                if (t && (pr.open || (c >= '0' && c <= '9') || c == '+'))
                        phone_feed(&pr, s, i, c, t);
                if (t && c == '@' && email_at(s, len, i))
                        t->emails++;
                i += n;

                if (c >= 0xFF01 && c <= 0xFF5E && !punct_of(c))
                        c -= 0xFEE0; /* full-width ASCII */
                if (is_spanish_mark(c))
                        no->accents++;
                if (is_ignorable(c))
                        continue;
                if (is_apostrophe(c)) {
                        if (no->prev != C_WORD)
                                no->prev = C_SEP;
                        continue; /* "don't" -> "dont" */
                }
                if (c < 0x80) {
                        if (c >= 'A' && c <= 'Z')
                                c += 32;
                        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                                ch[0] = (char)c;
                                chn = 1;
                                cls = C_WORD;
                        }
                } else if (c >= 0xC0 && c <= 0x17F) {
                        ch[0] = fold_c0[c - 0xC0];
                        if (ch[0] != ' ') {
                                chn = 1;
                                cls = C_WORD;
                        }
                } else if (is_han(c) || is_cjk_other(c)) {
                        uint32_t f = rdr_clf_han_fold(c);
                        if (f != c) { /* Traditional: U+4E00-U+9FFF */
                                ch[0] = (char)(0xE0 | (f >> 12));
                                ch[1] = (char)(0x80 | ((f >> 6) & 0x3F));
                                ch[2] = (char)(0x80 | (f & 0x3F));
                                chn = 3;
                        } else {
                                memcpy(ch, s + i - n, n);
                                chn = n;
                        }
                        cls = C_HAN;
                        if (is_han(c))
                                no->han++;
                } else if (is_emoji(c)) {
                        memcpy(ch, s + i - n, n);
                        chn = n;
                        cls = C_EMOJI;
                } else if ((c >= 0x370 && c <= 0x52F) ||
                           (c >= 0x180 && c <= 0x24F) ||
                           (c >= 0x1E00 && c <= 0x1EFF) ||
                           (c >= 0x600 && c <= 0x6FF) ||
                           (c >= 0x900 && c <= 0xDFF)) {
                        /* Letters of other alphabets: part of words. */
                        memcpy(ch, s + i - n, n);
                        chn = n;
                        cls = C_WORD;
                }
                if (cls == C_SEP) {
                        char p = punct_of(c);
                        no->run = 0;
                        if (p) {
                                if (no->prev == C_PUNCT && no->last_punct == p)
                                        continue;
                                if (emit(no, C_PUNCT, &p, 1))
                                        break;
                                no->last_punct = p;
                        } else {
                                no->prev = C_SEP;
                        }
                        continue;
                }
                if (cls == C_WORD && chn == 1 && ch[0] >= 'a' && ch[0] <= 'z' &&
                    no->prev == C_WORD &&
                    (uint32_t)(unsigned char)ch[0] == no->last_cp) {
                        if (++no->run >= 2)
                                continue; /* "soooo" -> "soo" */
                } else {
                        no->run = 0;
                }
                no->last_cp = chn == 1 ? (uint32_t)(unsigned char)ch[0] : 0;
                if (emit(no, cls, ch, chn))
                        break;
        }
        if (t && pr.open)
                phone_run_end(&pr, 0, t);
        no->buf[no->len] = '\0';
}

void rdr_clf_text_normalize(const char *text, size_t len, rdr_clf_text_t *t) {
        norm_out_t no;

        memset(&no, 0, sizeof(no));
        no.buf = t->norm;
        no.cap = sizeof(t->norm);
        t->occ_cnt = 0;
        t->phones = t->phones_plain = t->emails = 0;
        if (!text)
                len = 0;
        if (len > RDR_CLF_MAX_TEXT)
                len = RDR_CLF_MAX_TEXT;
        normalize_into(text, len, &no, t);
        t->norm_len = no.len;
        t->han = no.han;
        t->latin_words = no.latin_words;
        t->accents = no.accents;
        t->units = no.units;
        t->word_units = no.word_units;
}

size_t rdr_clf_phrase_normalize(const char *phrase, char *out, size_t out_size,
                                unsigned *units) {
        norm_out_t no;

        memset(&no, 0, sizeof(no));
        no.buf = out;
        no.cap = out_size;
        normalize_into(phrase, strlen(phrase), &no, NULL);
        *units = (unsigned)no.units;
        return no.len;
}

uint32_t rdr_clf_trie_child(const rdr_classifier_t *clf, uint32_t node,
                            unsigned char byte) {
        uint32_t key = ((node << 8) | byte) + 1;
        size_t h = (size_t)((key * 0x9E3779B1u) >> 8) & clf->edge_mask;
        for (;;) {
                uint64_t e = clf->edges[h];
                if ((uint32_t)e == key)
                        return (uint32_t)(e >> 32);
                if (!e)
                        return 0;
                h = (h + 1) & clf->edge_mask;
        }
}

void rdr_clf_text_match(const rdr_classifier_t *clf, rdr_clf_text_t *t) {
        const unsigned char *s = (const unsigned char *)t->norm;
        size_t len = t->norm_len, p;
        uint32_t unit = 0;
        int in_han = 0; /* inside a run of multi-byte characters */

        t->occ_cnt = 0;
        for (p = 0; p < len; p++) {
                unsigned char b = s[p];
                int start;
                if (b == ' ') {
                        in_han = 0;
                        continue;
                }
                if ((b & 0xC0) == 0x80)
                        continue; /* inside a character */
                start = p == 0 || s[p - 1] == ' ' || (in_han && b >= 0xE0);
                if (!start)
                        continue;
                in_han = b >= 0xE0;
                {
                        rdr_clf_occ_t found[16];
                        size_t nf = 0, i;
                        uint32_t node = 0;
                        for (i = p; i < len; i++) {
                                node = i == p ? clf->root_child[s[i]]
                                              : rdr_clf_trie_child(clf, node,
                                                                   s[i]);
                                if (!node)
                                        break;
                                if (clf->nodes[node].ent_cnt && nf < 16) {
                                        found[nf].unit = unit;
                                        found[nf].node = node;
                                        found[nf].end = (uint32_t)(i + 1);
                                        found[nf].start = (uint16_t)p;
                                        found[nf].bound =
                                            i + 1 == len || s[i + 1] == ' ';
                                        nf++;
                                }
                        }
                        while (nf > 0 && t->occ_cnt < RDR_CLF_MAX_OCC)
                                t->occ[t->occ_cnt++] = found[--nf];
                }
                unit++;
        }
}
