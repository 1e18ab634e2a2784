/* The chats worker's handler. */
#ifndef RDR_CHATS_H
#define RDR_CHATS_H

#include "run.h"

extern const rdr_worker_def_t rdr_chats_worker;

#endif
