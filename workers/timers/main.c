/* redress-timers: fires the fleet's due timers (cadence steps, shipment
 * checks, appeal deadlines). Any number may run at once. */
#include "run.h"
#include "timers_worker.h"

int main(int argc, char **argv) {
        return rdr_run(&rdr_timers_worker, argc, argv);
}
