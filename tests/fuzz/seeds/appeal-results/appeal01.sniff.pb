
ev-appeal-001appeal.resulttaobao"tb-hanfeng-apparel*case-tb-0012case-tb-001/appeal/1:acceptedB'买家以差评要挟，评价已删除J����