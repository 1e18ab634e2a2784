/* redress-reviews: reads redress.reviews, classifies every review, keeps
 * the case in Redis and publishes case.classified on redress.cases. */
#include "reviews.h"
#include "run.h"

int main(int argc, char **argv) {
        return rdr_run(&rdr_reviews_worker, argc, argv);
}
