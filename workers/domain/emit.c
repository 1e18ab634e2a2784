/* See emit.h. */
#include <string.h>

#include "emit.h"
#include "outbox.h"

rdr_err_t rdr_emit_case(const rdr_case_msg_t *cm, int protobuf,
                        const char *topic, const char *key, rdr_buf_t *scratch,
                        char **entry, size_t *entry_len) {
        rdr_err_t err;
        rdr_buf_reset(scratch);
        err = protobuf ? rdr_case_msg_encode_protobuf(cm, scratch)
                       : rdr_case_msg_encode_json(cm, scratch);
        if (err)
                return err;
        return rdr_entry_kafka(topic, key, strlen(key),
                               protobuf ? RDR_CT_PROTOBUF : RDR_CT_JSON,
                               scratch->data, scratch->len, entry, entry_len);
}

rdr_err_t rdr_emit_action(const rdr_action_msg_t *am, int protobuf,
                          const char *topic, const char *key,
                          rdr_buf_t *scratch, char **entry, size_t *entry_len) {
        rdr_err_t err;
        rdr_buf_reset(scratch);
        err = protobuf ? rdr_action_msg_encode_protobuf(am, scratch)
                       : rdr_action_msg_encode_json(am, scratch);
        if (err)
                return err;
        return rdr_entry_kafka(topic, key, strlen(key),
                               protobuf ? RDR_CT_PROTOBUF : RDR_CT_JSON,
                               scratch->data, scratch->len, entry, entry_len);
}
