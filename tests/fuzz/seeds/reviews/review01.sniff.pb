

ev-rev-001review.createdamazon"amz-sierra-outdoor*	rv-am-0012112-4471920-0034417:amzb-mark-hollowayBB0CSIERRA28LHR{The stitching on the left shoulder strap came apart after two day hikes. For $89 I expected a lot better quality than this.Zenb“‘Åÿjé) *US2America/Denver