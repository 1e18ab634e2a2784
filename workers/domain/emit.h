/* Output messages as outbox entries: encode a case or action message in the
 * fleet's output format and wrap it as a Kafka entry (outbox.h) for the
 * run loop to publish after the event's state change is durable. */
#ifndef RDR_EMIT_H
#define RDR_EMIT_H

#include <stddef.h>
#include "buf.h"
#include "outmsg.h"

#define RDR_CT_JSON "application/json"
#define RDR_CT_PROTOBUF "application/x-protobuf"

/** Encode cm (JSON, or protobuf if protobuf is set) into scratch and make a
 *  Kafka entry for topic with key. *entry is malloc'd: the caller frees. */
rdr_err_t rdr_emit_case(const rdr_case_msg_t *cm, int protobuf,
                        const char *topic, const char *key, rdr_buf_t *scratch,
                        char **entry, size_t *entry_len);
rdr_err_t rdr_emit_action(const rdr_action_msg_t *am, int protobuf,
                          const char *topic, const char *key,
                          rdr_buf_t *scratch, char **entry, size_t *entry_len);

#endif
