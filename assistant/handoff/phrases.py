"""The phrasings the handoff policy reads, English and Chinese (Simplified and Traditional).

They back the classifiers up where a miss costs most: a customer who asks for a person, reports fraud,
is bereaved or in hardship, or is angry must never be missed. Each detector tells the event itself
("my dad moved 80,000 to a 'safe account'") apart from a question about it ("what should I do if my
card is stolen?", "what's your hardship policy?") or a mention in passing ("my bike got stolen",
"the agent told me last week..."), which are answered instead of escalated.
"""

from __future__ import annotations

import re

_FLAGS = re.IGNORECASE

EXPLICIT_REQUEST = re.compile(
    r"\b(speak|talk|chat|connect|transfer|put|get|give|want|need|let|prefer|rather)\b[^.?!]{0,30}"
    r"\b(person|human|agent|representative|rep|operator|adviser|advisor|staff|someone|somebody|manager|"
    r"real people|people|specialist|colleague)\b"
    r"|\b(someone|somebody|anyone|anybody|one of (you|your \w+))\b[^.?!]{0,40}"
    r"\b(speak|talk|chat|call|ring|phone|contact|get back|reach out)\b"
    r"|\b(loop|bring|pull) in (someone|somebody|a person|an agent|a colleague)\b"
    r"|\b(someone|somebody|a person) (from|at|on) (your|the) (team|bank|branch|side)\b"
    r"|\b(have|having|get|getting) a (real )?person\b"
    r"|\bnot (a|the|this|some) (bot|robot|machine|chatbot|ai)\b"
    r"|\bno (more )?bots?\b|\b(real|live|actual) (person|human|agent|adviser|advisor|people)\b"
    r"|\bhuman (agent|being|please)\b|\bmember of (your )?staff\b|\bstaff member\b"
    r"|\b(call|ring|phone) me( back)?\b|\bcall ?back\b|\bnumber (i|we) (can|could) (call|ring|phone)\b"
    r"|\b(customer service|helpline|hotline|support|phone) (number|line)\b[^.?!]{0,40}\b(talk|speak|call"
    r"|ring)\b"
    r"|^\W*(agent|human|representative|operator|person)\W*(please|pls|now)?\W*$"
    r"|转人工|轉人工|人工客服|人工服务|人工服務|人工坐席|找人工|(?<!需)要人工|接人工|人工(?!智能|审核|審核|费|費)|真人|"
    r"专人|專人|专员|專員|不要(机器人|機器人|AI)|(机器人|機器人)(没用|沒用)|"
    r"客服(人员|人員|专员|專員|经理|經理|电话|電話|热线|熱線)|接线员|接線員|客户经理|客戶經理|"
    r"(找|叫|跟|和|同)(你们|你們)?(的)?(工作人员|工作人員|经理|經理|柜员|櫃員)|"
    r"回(个|個)?(电话|電話)|回电|回電|(给|給)我(打|回)(个|個)?(电话|電話)|打(电话|電話)?(过去|過去)|"
    r"(联系|聯繫|聯絡)我|(找|搵|叫|派|安排)(一)?(个|個|位)?(懂的|负责的|負責的)?(人|职员|職員|同事)|"
    r"(你们|你們)的人",
    _FLAGS,
)
# "Is there a human-verified step?", "can someone else use my card?", "the agent told me last week":
# the words of a request, not a request. Removed before looking for one, so a request in the same
# message still counts.
NOT_A_REQUEST = re.compile(
    r"\bhuman[- ]verif\w*|\bsomeone else\b|\bsomebody else\b|\bpeople (who|that)\b"
    r"|\b(does|do|will|would|is|are) (a |an )?(real |actual |live )?(person|human|people|staff)\b"
    r"|\b(the|an|your|one of your) (agent|representative|adviser|advisor|staff|person)s? "
    r"(said|told|says|promised|mentioned|explained|was)\b"
    r"|人工客服(说|說|告诉|告訴|讲|講|回复|回覆|答应|答應|跟我|让我|讓我|给我|給我|那边|那邊)|"
    r"(上次|之前|以前|刚才|剛才|昨天)[^。？！，,]{0,10}(人工客服|客服|专员|專員|客户经理|客戶經理)"
    # When the phone line is open: a question about the service, not a request to be put through.
    r"|\b(hours|opening times?) (of|for) (your |the )?"
    r"(call cent(re|er)|helpline|hotline|phone line|agents?)\b"
    r"|\b(call cent(re|er)|helpline|hotline|phone line)'?s? (opening )?(hours|times)\b"
    r"|(人工客服|客服|人工|热线|熱線|电话|電話)[^。？！?!，,]{0,4}"
    r"(几点|幾點|营业时间|營業時間|服务时间|服務時間|上班时间|上班時間|什么时候|什麼時候)",
    _FLAGS,
)

ASKS = re.compile(
    r"[?？]|^\s*(?:(?:ok(?:ay)?|so|and|but|then|well|fine|alright|hmm+|right|also|haha|lol)[,.\s]+)*"
    r"(?:what|how|when|where|which|who|why|whose|can|could|may|is|are|do|does|did|will|would|"
    r"should|shall|have|has|tell|show|explain|help|please|i (?:want|need|would like)|i'd like|any|"
    r"recommend|suggest|give|find|name|list)\b|\b(?:what|how) about\b|\b(?:recommend|suggest)\b|"
    r"^\s*(?:能|可以|可否|是否|有没有)|吗|嗎|呢|(?<![这這那多怎什])[么麼]|怎|如何|多少|几|幾|哪|什么|什麼|为什么|為什麼|能不能|"
    r"可不可以|是不是|有没有|有沒有|请|請|帮我|幫我|想(?:要|知道|问|問|办|辦)|要(?:怎|多)|推荐|推薦|介绍|介紹|"
    r"告诉我|告訴我|说说|說說|讲讲|講講|(讲|講|说|說|来|來)(个|個)|听听|聽聽|了没|了沒|没有[?？。]?$|沒有[?？。]?$",
    re.IGNORECASE,
)

# An event that happened, or a question about one that might: the second kind is answered, not escalated.
HYPOTHETICAL = re.compile(
    r"\b(what (should|do|would|can) (i|you|we) do if|what happens if|in case|if (my|i|someone|a)|"
    r"how (do|can|would|should) (i|you) (report|protect|avoid|prevent|spot|recogni[sz]e|tell)|"
    r"how to (report|protect|avoid|prevent|spot)|tips?)\b"
    r"|如果|假如|万一|萬一|要是|怎么防|怎麼防|如何防|怎样防|怎樣防|如何识别|如何識別|怎么识别|怎麼識別|"
    r"防范|防範|怎么办理挂失|怎樣掛失|如何挂失|如何掛失|怎么挂失|怎麼掛失|"
    r"(怎么|怎麼|如何)(分辨|判断|判斷|辨别|辨別)|\bturn(s|ed)? out\b|\bat first\b|原来是|原來是",
    _FLAGS,
)
# Protecting oneself or others in general: "best way to protect my shop against chargeback fraud",
# 防诈骗宣传资料. Only the bare words (fraud, scam) give way to it, not a scam's story.
PROTECTIVE = re.compile(
    r"\b((best|safest|good) ways? to|how can (i|we)|help me)\b[^.?!]{0,20}\b(protect|avoid|prevent|stop"
    r"|spot)\b"
    r"|\bprotect (myself|ourselves|my (business|shop|customers|family|parents))\b|\bguard against\b"
    r"|\b(anti-?fraud|fraud prevention|scam awareness|awareness)\b|\b(warn|brief|teach|educate|tell) (my"
    r"|our)\b"
    r"|\b(didn'?t|did not|never) (click|open|reply|respond|tap|enter|give|call)\w*\b|\b(just )?deleted (it"
    r"|the)\b"
    r"|(没|沒)(有)?(点|點|回复|回覆|理|打开|打開|填)|(直接)?(删|刪)(了|掉)"
    r"|防骗|防騙|防诈|防詐|反诈|反詐|宣传|宣傳|提醒(一下)?(我|家|老人|父母)",
    _FLAGS,
)
# A card, account or the means to use them: what a thief's "stolen" must be about to be a bank matter.
_BANK_THINGS = (
    r"(card|wallet|purse|handbag|bag|phone|mobile|id|passport|identity|details|money|cash|cheque\w*|"
    r"account|password|pin|savings|funds|sim)s?"
)
RISK_PHRASES = re.compile(
    r"\b(fraud\w*|scam\w*|phish\w*|hack(ed|er)|unauthori[sz]ed|compromised|skimm\w*|"
    r"conned|duped|defrauded|swindled|identity theft)\b"
    rf"|\b{_BANK_THINGS}\b[^.?!,]{{0,25}}\b(stolen|stole|nicked|taken)\b"
    rf"|\b(stole|stolen|theft of)\b[^.?!,]{{0,25}}\b{_BANK_THINGS}\b"
    r"|\b(didn'?t|did not|never|haven'?t|have not)\b[^.?!]{0,20}"
    r"\b(make|made|authori[sz]\w*|recogni[sz]\w*|withdr[ae]w\w*|buy|bought|approv\w*)\b"
    r"|\b(don'?t|do not)\b[^.?!]{0,20}\b(authori[sz]\w*|recogni[sz]\w*)\b"
    r"|\bnot (mine|me)\b|\bwasn'?t me\b|\bnever been (to|in)\b"
    r"|\bsomeone (used|took|withdrew|has|got|is using|accessed|logged|moved|transferred)"
    r"|\b(clicked|opened)\b[^.?!]{0,25}\blink\b|\b(gave|told|shared|sent|read out)\b[^.?!]{0,30}"
    r"\b(code|otp|pin|password|passcode|cvv|card details)\b"
    r"|(卡|钱包|錢包|手机|手機|身份证|身份證|证件|證件|钱|錢|包|存折|存摺|账户|帳戶|账号|帳號|密码|密碼)"
    r"[^。，！？,]{0,8}(被盗|被盜|被偷|偷了|偷走)|(被盗|被盜|被偷|偷了|偷走)[^。，！？,]{0,4}(卡|钱包|錢包|手机|手機|身份证|身份證|钱|錢)"
    r"|盗刷|盜刷|诈骗|詐騙|骗子|騙子|被骗|被騙|骗了|騙了|钓鱼|釣魚|冒充|盗用|盜用|刷单|刷單|不认得|不認得|"
    r"唔係我|有人(在)?(改|登|用|动|動)(了)?我的|"
    r"不是我(本人)?(消费|消費|刷|取|操作|买|買|花|登录|登錄|登入)|(我)?(没有|沒有|没|沒)(消费|消費|刷|取|买|買|授权|授權|操作)过?"
    r"|陌生(的)?(消费|消費|扣款|交易)|不认识的|不認識的|(完全|根本)不知道|(点|點)了[^。？！]{0,15}(链接|連結|鏈接)|"
    r"(填|输|輸)(了|入)[^。？！]{0,8}(卡号|卡號|密码|密碼|验证码|驗證碼)|(验证码|驗證碼)(给|給|告诉|告訴|发给|發給|报给|報給)|"
    r"(给|給|告诉|告訴)(了)?(对方|對方|他|她|他们|他們)(验证码|驗證碼|密码|密碼)|泄露|洩露|外泄|外洩",
    _FLAGS,
)
# A scam's story told without the word: a "safe account", a caller posing as the police, remote access,
# a stolen phone number, a stranger's login, an "investment" that will not pay out.
SCAM_SIGNS = re.compile(
    r"\b(safe|secure|safety|holding) account\b|\bmoney laundering\b|\bremote (access|control|desktop)\b"
    r"|\b(anydesk|teamviewer|rustdesk|quicksupport)\b|\bscreen ?shar\w*|\bsim (swap\w*|was (swapped"
    r"|cancelled))"
    r"|\bmy (phone )?number (was|has been|got) (ported|transferred|moved|taken)\b"
    r"|\b(logged|signed) (in|into)\b[^.?!]{0,30}\b(new|unknown|strange|different|unfamiliar) (device|phone"
    r"|location)\b"
    r"|\b(new|unknown|strange|unfamiliar) (device|login|log-in|sign-in)\b[^.?!]{0,30}\b(not me|didn'?t"
    r"|wasn'?t)\b"
    r"|\b(password|pin|phone number|email) (was |has been |got )?changed\b[^.?!]{0,30}\b(didn'?t|not me"
    r"|wasn'?t)\b"
    r"|\b(lost|left|dropped)\b[^.?!]{0,20}\bcard\b[^.?!]{0,60}\b(payments?|transactions?|charges?|spent"
    r"|used)\b"
    r"|\b(won'?t|will not|can'?t|cannot|doesn'?t) (let (me|us|him|her|them) )?(withdraw|cash out|pay out)\b"
    r"|安全(账户|帳戶|賬戶|账号|帳號)|洗钱|洗錢|自称|自稱|远程(控制|协助|協助)|遠程|遠端|屏幕共享|共享屏幕|"
    r"螢幕分享|会议软件|會議軟體|(手机卡|手機卡|SIM卡)[^。？！]{0,8}(被|突然)|异地登录|異地登錄|異地登入|"
    r"陌生(设备|設備|手机|手機)|(提现|提現|取)(不了|不出)|(无法|無法|不能)(提现|提現)|"
    r"(保证金|保證金|手续费|手續費|解冻费|解凍費|税|稅)[^。，！？]{0,8}(才能|才可以|才可)|"
    r"(老师|老師|导师|導師|客服)(也)?(联系|聯繫|聯絡)不上|[“\"'‘](老师|老師|导师|導師|投资|投資)[”\"'’]"
    r"|\b(money|savings|funds|account)\b[^.?!]{0,12}\b(isn'?t|is not|not|no longer|aren'?t) safe\b"
    r"|(钱|錢|资金|資金|存款|账户|帳戶)[^。，！？]{0,6}不安全"
    r"|\bmet (him|her|them|someone|a (man|woman|guy|girl))? ?(on|through|via) (facebook|instagram|tinder|"
    r"whatsapp|wechat|telegram|a dating|an? (app|site|website)|online|social media)\b"
    r"|[\"'‘“](investment|adviser|advisor|broker|trader|mentor)[\"'’”]",
    _FLAGS,
)

# A lost card (or phone) and then spending the customer did not expect: "left it on the train ... two
# contactless payments at a petrol station".
_LOST = re.compile(r"\b(lost|left|dropped|misplaced|missing)\b|丢|丟|唔見|不见|不見|掉了|遗失|遺失", _FLAGS)
_SPENDING_SEEN = re.compile(
    r"\b(seen|see|saw|noticed|spotted|there (are|were|is|was)|shows?)\b[^.?!]{0,30}"
    r"\b(payments?|transactions?|charges?|withdrawals?|purchases?)\b"
    r"|(发现|發現|发觉|發覺|看到|多了|出现|出現)[^。，！？]{0,12}(消费|消費|签账|簽賬|扣款|交易|刷卡|支出)",
    _FLAGS,
)

FORMAL_COMPLAINT = re.compile(
    r"\b(make|file|lodge|raise|submit|register|open|put in|escalate|log|record"
    r"|treat)\w*\b[^.?!]{0,20}\bcomplaint\b"
    r"|\b(want|wish|going|like|need) to complain\b|\bi('m| am) complaining\b"
    r"|\bthis is a (formal )?complaint\b|\b(report|take) (you|this|it) to the (regulator|ombudsman|fca"
    r"|cfpb)\b"
    r"|\bombudsman\b|\bregulator\b[^.?!]{0,20}\b(complain|report)"
    r"|我要投诉|我要投訴|我想投诉|我想投訴|要投诉|要投訴|投诉你们|投訴你們|正式投诉|正式投訴|"
    r"(提出|提交|发起|發起|进行|進行)(正式)?投[诉訴]|投诉到底|投訴到底|我要举报|我要舉報|"
    r"(我要|我想|要)申[诉訴]|(提出|提交|要)(正式)?(客诉|客訴|申诉|申訴)|(向|到)[^。，！？]{0,12}(申诉|申訴)|12378|(向|到|找)(银保监|銀保監|金融监管|金融監管"
    r"|监管|監管|消协|消協|人民银行|人民銀行)"
    r"[^。？！]{0,10}(投诉|投訴|反映|举报|舉報)",
    _FLAGS,
)
# Asking how the complaints process works is an ordinary question.
ABOUT_THE_PROCESS = re.compile(
    r"^\W*(how|what|where|when|which|can i|could i|is there|do you)\b|\bprocess\b|\bprocedure\b|\bhow long\b"
    r"|流程|程序|多久|多长时间|多長時間|多少天|几天|幾天|一般|怎么投诉|怎麼投訴|如何投诉|如何投訴|怎样投诉|怎樣投訴|渠道",
    _FLAGS,
)

# Words that turn a negative message into an angry one; the emotion model often calls anger
# "frustrated" or even "confused", and anger must reach a person.
ANGER_CUES = re.compile(
    r"\b(unacceptable|ridiculous|useless|pathetic|disgrace\w*|outrage\w*|furious|fed up|sick of|"
    r"sick and tired|incompetent|worst|wtf|seriously\?)|\b(what a|such a|is a|total|complete|absolute) joke\b"
    r"|\b(really|so|very|incredibly|extremely|getting) (frustrating|annoying|infuriating)\b"
    r"|!{2,}|\?{2,}"
    r"|呵呵|真行|受够|受夠|气死|氣死|太过分|太過分|什么破|什麼破|垃圾|到底(要|有没有|有沒有|怎么|怎麼|在)|简直|簡直|"
    r"离谱|離譜|忍无可忍|忍無可忍|无语|無語|搞什么|搞什麼|烦死|煩死|靠点谱|靠點譜|！{2,}|？{2,}|[！!][？?]|[？?][！!]",
    _FLAGS,
)
# Anger said calmly: asking for the third time, sarcasm, leaving the bank. Whatever the emotion model
# reads, a customer who says these has run out of patience.
COLD_ANGER = re.compile(
    r"\b(third|fourth|fifth|3rd|4th|5th) time\b|\bhow many (more )?times\b|\bthanks for nothing\b"
    r"|\b(already|i've|i have) (asked|told you|explained)\b[^.?!]{0,30}\b(twice|three times|already|before)\b"
    r"|\b(switch(ing)?|mov(e|ing)|tak(e|ing)) (my (money|business|accounts?|savings|mortgage) )?"
    r"(to (another|a different|a proper|a real) bank|elsewhere)\b|\bclos(e"
    r"|ing) (all )?my accounts?\b[^.?!]{0,30}"
    r"\b(elsewhere|another bank|competitor|done with)\b|\bwaste of (my )?time\b|\bwasted (my|the|an"
    r"|half) (whole )?(\w+ )?(time|morning|day|afternoon|lunch\w*|hours?)\b|\bdone with (you|this bank)\b"
    r"|\b(brilliant|great|fantastic|wonderful|perfect|lovely)[.,!]+ (just |so |really )?(brilliant|great"
    r"|another|"
    r"exactly|what|thanks|helpful)\b|\b(very|so|really) helpful[.!]* not\b|\bnot helpful at all\b"
    r"|\bgoing in circles\b"
    r"|第[三四五六七八3-8]次|(问|問|说|說|讲|講|打)了?(好|很)?(几|幾|多少|无数|無數|N)(遍|次)|"
    r"(已经|已經)(问|問|说|說|讲|講)了?(好几|好幾|很多|两|兩|三)(遍|次)|换(一)?家银行|換(一)?家銀行|(换|換|转|轉)(去|到)别家|(换|換|转|轉)(去|到)別家|"
    r"(把钱|把錢)(全|都)?(转|轉|取)走|(再也|以后|以後)不(用|在)(你们|你們)|谢谢你啊|謝謝你啊|服了|醉了|"
    r"什么玩意|什麼玩意|敷衍|踢皮球|推来推去|推來推去|绕圈子|繞圈子|等了(半天|一个|一個|好久|这么久|這麼久)|"
    r"(还|還)(是)?没(有)?(人)?(处理|處理|回复|回覆|解决|解決)",
    _FLAGS,
)

# Someone whose situation a person must take over: bereaved, in hardship, seriously ill, in crisis,
# or unsure whether a caller pressing them to move money is real.
_BEREAVED = (
    r"\b(passed away|passed on|has died|had died|died|deceased|death of|funeral|bereave\w*|widow\w*|"
    r"probate|executor|estate of)\b"
    r"|去世|过世|過世|离世|離世|病逝|身故|亡故|逝世|丧事|喪事|后事|後事|不在了|"
    r"(她|他)[^。，！？,]{0,6}走了|(妈|媽|爸|父亲|父親|母亲|母親|奶奶|爷爷|爺爺|外婆|外公|老公|老伴|丈夫|妻子|太太)[^。，！？,]{0,8}走了"
)
_HARDSHIP = (
    r"\b(lost (my|his|her|our) job|been made redundant|made redundant|laid off|unemployed|out of work|"
    r"debt collectors?|collectors? (are )?(calling|ringing|phoning|chasing)|bailiffs?|my (other )?debts"
    r"|bankrupt\w*|drowning in debt|in (serious|so much|a lot of|deep) debt|"
    r"can'?t afford|cannot afford|struggling (financially|with (money|debts?|bills|repayments))|"
    r"behind (on|with) (my |the |our )?(payments|repayments|mortgage|rent|bills|loan|credit card|card)|"
    r"missed (a|my|two|three|several|the last) (\w+ )?(payments?|repayments?))\b"
    r"|\b(can'?t|cannot|unable to|won'?t be able to|struggling to|couldn'?t)\s+(afford|repay|pay back"
    r"|pay off|"
    r"keep up with|pay|cover|make)\b[^.?!]{0,30}\b(rent|mortgage|loan|repayments?|bills?|food|debts?|"
    r"minimum|instal?ments?|card bill|what i owe)\b"
    r"|失业|失業|被裁|裁员了|裁員了|下岗|下崗|(没|沒|丢|丟)了工作|(还|還)不(上|起)|付不起|交不起|"
    r"(没钱|沒錢)(还|還|交|付|吃饭|吃飯|交房租|买菜|買菜)|催收|被催|(已经|已經)?逾期了|破产|破產|揭不开锅|揭不開鍋|"
    r"(生活|经济|經濟)(很|非常)?困难|(生活|經濟)(很|非常)?困難|走投无路|走投無路"
)
_ILL_OR_IN_CRISIS = (
    r"\b(cancer|chemo\w*|terminal(ly)? ill|terminal illness|serious(ly)? ill|hospitali[sz]ed|in hospital|"
    r"intensive care|stroke|dementia|alzheimer'?s|suicid\w*|kill myself|end it all|can'?t go on"
    r"|(is|was|fell|became|been|got) (very |really |seriously |badly )?(ill|sick)\b(?! of))\b"
    r"|\bicu\b|癌|化疗|化療|住院|重病|病危|绝症|絕症|重症|中风|中風|老年痴呆|失智|瘫痪|癱瘓|想死|不想活|自杀|自殺|"
    r"轻生|輕生|活不下去"
)
# A caller or message pressing the customer to move money, and the customer unsure whether it is real.
_CONTACTED = re.compile(
    r"\b(call\w*|rang|ring\w*|phon\w*|text\w*|sms|messag\w*|email\w*|whatsapp|wechat)\b"
    r"|电话|電話|来电|來電|短信|短訊|简讯|簡訊|微信|消息|訊息|信息",
    _FLAGS,
)
_MOVE_MONEY = re.compile(
    r"\b(move|transfer|send|withdraw|take out|take the cash|buy gift cards?|new account|another account)\b"
    r"|转账|轉賬|轉帳|转钱|轉錢|汇款|匯款|把钱|把錢|啲錢|(转|轉|存)(到|去|入)|取(出|钱|錢)|新(账户|帳戶|户口|戶口)|"
    r"临时|臨時"
    # ... or to hand over a code or open a link: the same pressure, before the money moves.
    r"|\b(the |a |my )?(code|otp|pin|password|link)\b|验证码|驗證碼|密码|密碼|链接|鏈接",
    _FLAGS,
)
_DOUBT = re.compile(
    r"\b(real|genuine|legit\w*|a scam|really (you|from)|should i|is (this|it|that) (ok|normal|right|true))\b"
    r"|真的假的|是不是(真|骗|騙|诈骗|詐騙)|是真的|係咪真|靠谱|靠譜|可信|骗子|騙子|搞不清|不知道(该|該|要)?不?|"
    r"(要|该|該)不要|应该|應該|唔知",
    _FLAGS,
)
# An older customer who says they cannot follow what is happening: confusion a person must help with.
_OLD_AGE = re.compile(
    r"\b(i'?m|i am|we'?re|we are) (now )?([6-9]\d|a pensioner|retired|elderly|old)\b|\b(my|our) age\b"
    r"|\bat ([6-9]\d|my age)\b"
    r"|(我|我们|我們)(今年|已经|已經)?(六|七|八|九)十(多|几|幾)?(岁|歲)?了?|(我|我们|我們)(今年)?[6-9]\d(多)?(岁|歲)"
    r"|年纪大了|年紀大了|岁数大了|歲數大了|老了|老人家|上了年纪|上了年紀",
    _FLAGS,
)
_CONFUSED = re.compile(
    r"\b(don'?t|do not|can'?t|cannot) (understand|follow|work out|figure out)\b|\bconfus\w*|\bmuddled\b"
    r"|\bwhat'?s going on\b|搞不懂|搞不清|弄不懂|弄不明白|看不懂|不明白|不懂(这些|這些|这个|這個)?|糊涂|糊塗|"
    r"(心里|心裡)?(很|好|特别|特別)?慌",
    _FLAGS,
)
VULNERABLE = re.compile(
    rf"(?P<bereaved>{_BEREAVED})|(?P<hardship>{_HARDSHIP})|(?P<ill>{_ILL_OR_IN_CRISIS})", _FLAGS
)
# About the customer's own life or their family's, not a question on how things work in general.
PERSONAL = re.compile(
    r"\b(i|i'm|i've|my|me|we|our|us)\b|我|咱|俺|家|爸|妈|媽|父|母|老公|老婆|丈夫|妻子|太太|先生|爷|爺|奶|外公|外婆|"
    r"儿子|兒子|女儿|女兒|孩子|亲人|親人",
    _FLAGS,
)
# "What's your hardship policy?", "what happens to an account when its holder dies?": how it works.
IN_GENERAL = re.compile(
    r"\b(policy|policies|in general|generally|what happens (to|when)|what is the process"
    r"|how does .{0,30} work)\b"
    r"|一般|通常|政策|流程是|有什么规定|有什麼規定",
    _FLAGS,
)


# How far before the words of a loss the customer's "my"/"我" may stand and still make it their own.
_OWN_LOSS_REACH = 20


# A customer thanking us for a problem solved is not angry, whatever the emotion model reads.
SATISFIED = re.compile(
    r"\b(thanks|thank you|cheers|appreciate)\b(?! for nothing)|\b(resolved|sorted( out)?|fixed)\b"
    r"|谢谢|謝謝|感谢|感謝|多谢|多謝|已经解决|已經解決|解决了|解決了|搞定了",
    _FLAGS,
)


def asks_something(text: str) -> bool:
    """A question or a request, as opposed to a remark or a statement of fact."""
    return bool(ASKS.search(text))


def asks_for_person(text: str) -> str:
    """The words of a request for a person, or ""."""
    match = EXPLICIT_REQUEST.search(NOT_A_REQUEST.sub(" ", text))
    return match.group(0).strip() if match else ""


def reports_risk(text: str) -> str:
    """The words that tell of fraud, a scam or unauthorised use, or "" for a question about them."""
    if HYPOTHETICAL.search(text):
        return ""
    sign = SCAM_SIGNS.search(text)
    if sign:
        return sign.group(0)
    if _LOST.search(text) and _SPENDING_SEEN.search(text):
        return "lost it, then spending seen"
    match = RISK_PHRASES.search(text)
    return "" if match is None or PROTECTIVE.search(text) else match.group(0)


def reports_vulnerability(text: str) -> str:
    """What marks the customer as bereaved, in hardship, ill or unsure about a caller, or ""."""
    if HYPOTHETICAL.search(text) or not PERSONAL.search(text):
        return ""
    if _CONTACTED.search(text) and _MOVE_MONEY.search(text) and _DOUBT.search(text):
        return "unsure whether a caller asking to move money is real"
    if (age := _OLD_AGE.search(text)) and (confused := _CONFUSED.search(text)):
        return f"older and confused: '{age.group(0).strip()}', '{confused.group(0).strip()}'"
    match = VULNERABLE.search(text)
    if match is None:
        return ""
    # "My husband passed away, what happens to his account?" is about the customer's own loss, however
    # general its question; "what happens to an account when its holder dies?" is not.
    own_loss = PERSONAL.search(text[max(0, match.start() - _OWN_LOSS_REACH) : match.end()])
    if IN_GENERAL.search(text) and not own_loss:
        return ""
    return f"{match.lastgroup}: '{match.group(0).strip()}'"
