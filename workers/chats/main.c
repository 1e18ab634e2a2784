/* redress-chats: reads redress.chats, classifies each buyer message's
 * intent and records it on the order and the buyer. */
#include "chats.h"
#include "run.h"

int main(int argc, char **argv) {
        return rdr_run(&rdr_chats_worker, argc, argv);
}
