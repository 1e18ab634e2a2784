
ev-chat-003chat.messagetaobao"tb-hanfeng-apparel*tbb-xiaoyu_7723981204457120938812:buyerBimJH不用再联系我了，退款我也不要，评价我是不会改的。Rծ��