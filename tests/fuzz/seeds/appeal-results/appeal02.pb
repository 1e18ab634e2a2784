
ev-appeal-002appeal.resultamazon"amz-sierra-outdoor*case-am-0022case-am-002/appeal/1:rejectedJ¨õ¡Ø€åšw