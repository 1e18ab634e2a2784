

ev-rev-002review.createdamazon"amz-sierra-outdoor*	rv-am-0022112-9023311-5520981:amzb-jenna-ortizBB0CSIERRAJKTHR”Package showed up a week after the promised date and the box was crushed. The jacket itself looks ok but I needed it for my trip, which is over now.ZenbÈþƒØj´ *US2America/Chicago