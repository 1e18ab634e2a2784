/* redress-shipments: reads redress.shipments and keeps each order's parcel
 * record in Redis. */
#include "run.h"
#include "shipments.h"

int main(int argc, char **argv) {
        return rdr_run(&rdr_shipments_worker, argc, argv);
}
