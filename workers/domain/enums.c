/* Wire names of the contract enums, in enum order. */
#include <string.h>
#include "enums.h"

const char *const rdr_sentiment_names[RDR_SENT__CNT] = {"negative", "neutral",
                                                        "positive"};
const char *const rdr_reason_names[RDR_REASON__CNT] = {"product_quality",
                                                       "not_as_described",
                                                       "size_fit",
                                                       "wrong_item",
                                                       "logistics",
                                                       "packaging_damage",
                                                       "customer_service",
                                                       "stock_out",
                                                       "after_sales",
                                                       "other",
                                                       "none"};
const char *const rdr_malicious_names[RDR_MAL__CNT] = {
    "none", "extortion", "professional", "competitor", "abusive"};
const char *const rdr_intent_names[RDR_INTENT__CNT] = {
    "agree", "refuse", "extortion", "question", "thanks"};
const char *const rdr_review_type_names[RDR_REVIEW_TYPE__CNT] = {
    "review.created", "review.updated", "review.removed"};
const char *const rdr_direction_names[RDR_DIR__CNT] = {"buyer", "store"};
const char *const rdr_channel_names[RDR_CHAN__CNT] = {
    "im",         "email",        "site_letter",     "sms",  "phone_note",
    "phone_task", "public_reply", "platform_appeal", "staff"};
const char *const rdr_shipment_type_names[RDR_SHIP_TYPE__CNT] = {
    "shipment.created", "shipment.scan", "shipment.exception",
    "shipment.delivered"};
const char *const rdr_exception_names[RDR_EXC__CNT] = {
    "", "lost", "damaged", "returned", "customs", "address", "other"};
const char *const rdr_outcome_names[RDR_OUTCOME__CNT] = {"accepted",
                                                         "rejected"};
const char *const rdr_staff_type_names[RDR_STAFF_TYPE__CNT] = {
    "staff.offer_decision", "staff.resume", "staff.evidence", "staff.appeal"};
const char *const rdr_decision_names[RDR_DECISION__CNT] = {"", "approved",
                                                           "refused"};
const char *const rdr_action_kind_names[RDR_ACT__CNT] = {
    "reply.public",       "outreach.first_contact",
    "outreach.follow_up", "outreach.incentive",
    "outreach.nudge",     "outreach.modification_guide",
    "notice.shipped",     "notice.logistics_delay",
    "notice.exception",   "appeal.file",
    "staff.review"};

int rdr_enum_parse(const char *const *table, int cnt, const char *name,
                   size_t len) {
        int i;
        for (i = 0; i < cnt; i++) {
                if (table[i][0] && strlen(table[i]) == len &&
                    !memcmp(table[i], name, len))
                        return i;
        }
        return -1;
}

int rdr_lang_known(const char *tag) {
        return tag && *tag && strcmp(tag, "und");
}
