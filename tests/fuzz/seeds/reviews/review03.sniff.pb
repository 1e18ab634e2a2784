

ev-rev-003review.createdamazon"amz-sierra-outdoor*	rv-am-0032112-3301776-8812045:amzb-derek-lamBB0CSIERRAJKTHR[Great jacket, warm and fits true to size. Wore it in the snow all weekend. Would buy again!ZenbÌº‡Ø