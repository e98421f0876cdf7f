"""Write N synthetic articles (seeded, reproducible) with gold files in the scorer's schema, for scale tests.

    python scripts/make_corpus.py OUT_DIR [--docs 1000] [--seed 1] [--short]

Articles go to OUT_DIR/articles/, gold to OUT_DIR/gold/. They cover the East–West province pairs and
every level of pairing with places drawn from the gazetteer; they are for load, not a substitute for the
hand-written fixtures (their facts come from a handful of templates).

By default each article is 1,500–3,000 characters, as news articles on the subject are: the paragraphs that
carry the facts stand among narrative paragraphs (industry, labour, consumption, talent, rural
revitalisation, quotes) drawn from a pool of sentence templates. That narrative names no place and states
no fact, so the gold is the same with or without it; ``--short`` leaves it out (about 265 characters).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.gazetteer import gazetteer  # noqa: E402

# East–West pairs (east, west, their fused abbreviation), 2016–2025.
PAIRS = [("北京市", "内蒙古自治区", "京蒙"), ("天津市", "甘肃省", "津甘"), ("上海市", "云南省", "沪滇"),
         ("江苏省", "陕西省", "苏陕"), ("江苏省", "青海省", "苏青"), ("浙江省", "四川省", "浙川"),
         ("福建省", "宁夏回族自治区", "闽宁"), ("山东省", "重庆市", "鲁渝"), ("山东省", "甘肃省", "鲁甘"),
         ("广东省", "广西壮族自治区", "粤桂"), ("广东省", "贵州省", "粤黔")]
PAPER = {"内蒙古自治区": "内蒙古日报", "甘肃省": "甘肃日报", "云南省": "云南日报", "陕西省": "陕西日报", "青海省": "青海日报",
         "四川省": "四川日报", "宁夏回族自治区": "宁夏日报", "重庆市": "重庆日报", "广西壮族自治区": "广西日报", "贵州省": "贵州日报"}


# Narrative sentences by theme. {i:A:B} is an integer in A..B, {f:A:B} a one-decimal number, {year} the
# article's year, {program} its collaboration (京蒙协作…, already a fact of the article). No sentence names a
# place, a park or a quoted campaign, or says who gives to whom: every fact stays in the gold paragraphs.
THEMES = {
    "industry": (
        ["产业协作是东西部协作的重中之重。", "在产业协作上,双方坚持市场主导、政府引导、企业主体。",
         "聚焦产业协作,双方推动产业有序梯度转移。"],
        ["{year}年新引导落地协作企业{i:12:96}家,实际完成投资{f:1.5:28.0}亿元,吸纳群众就业{i:800:6500}人。",
         "一批食品加工、纺织服装、电子元器件项目相继投产,特色产业链条不断拉长。",
         "通过龙头企业带合作社、合作社带农户的利益联结机制,带动{i:1200:9800}户农户户均增收{i:1800:7600}元。",
         "协作建设的标准化厂房已入驻企业{i:6:40}家,年产值突破{f:1.2:15.0}亿元。",
         "企业带来的不只是资金和订单,更有先进的管理理念和成熟的市场渠道。",
         "双方建立了招商信息共享机制,联合举办招商推介活动{i:4:25}场,签约项目{i:10:80}个。",
         "针对企业融资难问题,协作资金撬动金融机构发放贷款{f:0.8:9.5}亿元。",
         "不少返乡创业人员在协作企业中学会了技术,又在家门口办起了小作坊。",
         "产业链上的每一个环节,都尽量把就业岗位留给群众、把增值收益留给农民。",
         "牛羊养殖、中药材种植、茶叶加工等主导产业提质增效,产品附加值明显提高。",
         "围绕主导产业,双方共同编制了产业协作规划,明确了年度重点项目清单。",
         "一家服装企业的负责人算了一笔账:用工成本降了,物流也跟上了,订单一年比一年多。"]),
    "labour": (
        ["劳务协作是见效最快的帮扶方式之一。", "稳就业就是稳收入、稳民心。", "劳务协作持续发力。"],
        ["{year}年以来,双方共同举办线上线下招聘会{i:20:160}场次,提供就业岗位{i:5000:48000}个。",
         "累计培训农村劳动力{i:1200:9800}人次,其中{i:300:1100}人取得职业技能等级证书。",
         "通过点对点专车专列,帮助{i:800:12000}名农村劳动力外出稳定就业。",
         "在家门口的帮扶车间里,{i:200:1600}名群众实现了挣钱顾家两不误。",
         "劳务工作站常年派驻工作人员,为外出务工人员提供岗位推荐、权益维护等跟踪服务。",
         "有关部门建立了就业需求和岗位供给两张清单,实行动态管理、精准匹配。",
         "外出务工人员人均月收入达到{i:3800:6900}元,比过去高出近一倍。",
         "家政、电工、焊工、厨师等订单式培训广受欢迎,结业学员就业率超过{i:80:96}%。",
         "一人就业,全家增收,不少家庭的日子因此有了新的盼头。",
         "对就业困难人员,公益性岗位兜底安置了{i:150:1500}人。",
         "返乡入乡创业的带头人带动{i:300:2600}名群众在家门口就业。",
         "技能培训课堂开到了田间地头和车间里,学员学得会、用得上。"]),
    "consumption": (
        ["消费帮扶架起了产销对接的桥梁。", "消费帮扶让优质农产品走出大山。", "消费帮扶越做越活。"],
        ["{year}年,通过展销会、直播带货、电商平台等渠道,销售农产品{f:1.1:9.8}亿元。",
         "牛羊肉、食用菌、高原夏菜、小杂粮等特色农产品走上了千家万户的餐桌。",
         "设立的{i:8:60}家消费帮扶专馆、专柜,成为农产品展示销售的重要窗口。",
         "工会、机关食堂和企业通过集中采购,带动{i:3000:26000}名群众增收。",
         "一场直播下来,合作社的{i:2:30}吨农产品被抢购一空。",
         "有关部门认定帮扶产品{i:120:900}个,建立了从田间到餐桌的质量追溯体系。",
         "冷链物流、分拣包装等短板加快补齐,农产品既卖得出,又卖得上好价钱。",
         "不少农户第一次尝到了订单农业的甜头,种什么、种多少,心里有了底。",
         "线上店铺全年接单{i:2:40}万单,复购率保持在{i:30:65}%以上。",
         "统一的区域公用品牌让小散农产品有了响亮的名字。",
         "每逢节假日,各类产销对接会上人头攒动,订单接连不断。"]),
    "talent": (
        ["人才交流为协作注入了持久动力。", "人才是协作中最活跃的因素。", "双方持续深化人才交流。"],
        ["选派的{i:40:380}名教师、医生、农技人员扎根基层,手把手开展传帮带。",
         "专业技术人才通过组团式帮扶,带出了一批留得住、用得上的本土骨干。",
         "挂职干部跑项目、找市场、搭平台,成了协作工作的联络员和推销员。",
         "双方互派党政干部挂职{i:20:160}人次,交流学习的范围不断扩大。",
         "组团式医疗队开展新技术新项目{i:10:90}项,不少群众在家门口就能看好病。",
         "一批骨干教师通过跟岗学习、同课异构等方式,教学水平明显提升。",
         "农技专家在田间地头传授种植技术,先后举办培训班{i:15:120}期。",
         "借助远程会诊平台,基层医生可以随时向专家请教疑难病例。",
         "人才组团而来,带来的是观念的转变和能力的提升。",
         "{i:60:600}名本地干部和专业技术人员赴外跟岗学习,开阔了眼界、更新了观念。",
         "柔性引才、候鸟式服务等方式,让更多专家愿意来、留得住。",
         "一批致富带头人经过系统培训,成了带领群众增收的主心骨。"]),
    "rural": (
        ["协作重心正在向全面推进乡村振兴转移。", "巩固拓展脱贫攻坚成果与乡村振兴有效衔接,是协作的重要任务。",
         "乡村振兴,产业是基础,人才是关键。"],
        ["双方聚焦产业、人才、文化、生态、组织五个方面,打造了一批乡村振兴示范点。",
         "通过改善人居环境、培育乡村旅游,昔日的贫困地方变成了远近闻名的打卡地。",
         "村集体经济收入普遍超过{i:10:60}万元,群众的获得感明显增强。",
         "协作资金重点投向产业发展、基础设施和公共服务,一批群众急难愁盼问题得到解决。",
         "易地搬迁集中安置点配套建设了帮扶车间,搬迁群众实现了搬得出、稳得住、能致富。",
         "当地因地制宜发展庭院经济,小菜园、小果园、小养殖成了增收的新路子。",
         "双方建立了防止返贫动态监测帮扶机制,守住了不发生规模性返贫的底线。",
         "{i:20:150}个协作项目已全部开工,其中{i:10:80}个已竣工投入使用。",
         "道路、供水、电网等基础设施提档升级,群众出行难、饮水难问题逐步解决。",
         "移风易俗、文明实践活动深入开展,乡风民风焕然一新。",
         "脱贫人口人均纯收入增长{f:8.0:16.5}%,增速高于当地农村居民平均水平。"]),
    "xiaokang": (
        ["携手奔小康行动持续深化。", "携手奔小康,一个都不能少。", "社会力量广泛参与协作。"],
        ["{i:30:260}家企业、{i:10:90}个社会组织参与携手奔小康行动,捐款捐物折合{f:0.2:3.5}亿元。",
         "携手奔小康不是简单的给钱给物,而是要激发群众的内生动力。",
         "参与协作的力量越来越多,协作的朋友圈越来越大。",
         "学校之间开展手拉手活动,{i:1000:9000}名学生收到了远方寄来的爱心包裹。",
         "医院之间开展远程诊疗、专科共建,群众看病难问题进一步缓解。",
         "不少爱心人士多次专程前来,资助困难学生{i:100:900}名。",
         "一批乡镇、学校、医院、企业之间建立了长期稳定的帮扶联系。",
         "爱心企业捐建的{i:3:20}所乡村幼儿园陆续开园,孩子们在家门口就能上学。",
         "志愿者们走进山乡,为留守儿童和空巢老人送去关爱。"]),
    "tourism": (
        ["文旅合作持续升温。", "文化和旅游成为协作的新亮点。"],
        ["{year}年,双方联合推出精品旅游线路{i:5:30}条,组织游客{i:8000:90000}人次。",
         "民宿、农家乐等新业态蓬勃发展,群众吃上了旅游饭。",
         "双方互相给予景区门票优惠,推动客源互送、市场共享。",
         "非遗手工艺品走进大商场,传统技艺焕发出勃勃生机。",
         "旅游专列、包机纷至沓来,带火了沿线的餐饮住宿。",
         "研学旅行、康养度假等产品受到游客青睐,旅游综合收入增长{i:12:45}%。",
         "乡村旅游带动{i:600:5200}名群众吃上了旅游饭、走上了致富路。",
         "双方在客源市场开展文旅推介会{i:3:18}场,吸引了大批游客。"]),
    "overall": (
        ["协作成效持续显现。", "协作的路子越走越宽。", "协作机制不断完善。"],
        ["东西部协作开展以来,双方始终坚持真情实意、真抓实干、久久为功。",
         "今年以来,双方召开高层联席会议{i:2:4}次,研究部署年度重点工作。",
         "双方坚持优势互补、长期协作、聚焦帮扶、注重实效的原则。",
         "从输血到造血,协作正在从单向帮扶转向双向奔赴、互利共赢。",
         "{i:4:20}个方面的{i:30:120}项年度协作任务已全部完成。",
         "双方还在教育、医疗、文旅、科技等领域签署合作协议{i:5:40}份。",
         "近年来,{program}的内涵不断丰富、领域不断拓展。",
         "这是{program}走深走实的一个缩影。",
         "协作考核中,双方均取得了较好成绩。",
         "双方建立了月调度、季通报、年考核的工作机制,确保各项任务落地见效。",
         "协作从政府主导逐步走向政府、市场、社会协同发力。"]),
    "health": (
        ["教育医疗协作惠及千家万户。", "民生领域的协作看得见、摸得着。"],
        ["组团式帮扶的学校升学率逐年提高,家长们的笑容多了。",
         "双方共建远程教育课堂{i:20:160}个,优质课程实时共享。",
         "帮扶医院建成了胸痛中心、卒中中心,急危重症救治能力明显增强。",
         "专家团队开展义诊{i:10:80}场次,服务群众{i:2000:16000}人次。",
         "一批适宜医疗技术在基层推广应用,小病不出乡、大病不出县的目标逐步实现。",
         "职业院校联合招生、联合培养,{i:200:1800}名学生毕业后实现高质量就业。",
         "通过师徒结对、专题讲座等方式,基层医护人员的业务能力稳步提升。"]),
    "ecology": (
        ["生态保护与协作发展相得益彰。", "绿色发展成为协作的鲜明底色。"],
        ["双方在节水灌溉、防沙治沙等方面开展技术合作,推广新技术{i:5:30}项。",
         "光伏发电项目建成投运后,每年可为集体经济增收{i:20:200}万元。",
         "林下经济、生态养殖等绿色产业蓬勃发展,好生态正在变成好收益。",
         "废弃矿山修复后种上了经济林,昔日的荒坡披上了绿装。",
         "生态护林员岗位让{i:300:3000}名群众实现了家门口就业、守护家园两不误。"]),
}
QUOTE_FORMS = ["“{q}”{who}说。", "{who}表示:“{q}”", "谈及变化,{who}感慨地说:“{q}”", "“{q}”{who}告诉采访人员。"]
# Who says what: officials speak of the work, residents and firms of their own lives.
QUOTES = {
    ("当地协作办负责人", "一位挂职干部", "有关部门负责人", "驻村第一书记", "当地乡村振兴部门负责人"): [
        "东西部协作是推动区域协调发展的重大举措。",
        "我们将继续深化产业、劳务、消费、人才等领域合作,推动协作向更宽领域、更深层次拓展。",
        "协作不是单向的给予,而是优势互补、互利共赢。",
        "我们要把好经验、好做法学过来,真正转化为推动发展的实际成效。",
        "挂职期间,我把自己当成这里的一员,能多做一点就多做一点。",
        "下一步,我们将聚焦群众急难愁盼,让协作成果更多更公平惠及群众。"],
    ("一名返乡就业的群众", "帮扶车间的一名女工", "一位种植户", "一家合作社的负责人", "一位企业负责人"): [
        "过去种地只够糊口,现在在家门口就能上班,收入稳定多了。",
        "产品有了销路,我们搞生产的底气更足了。",
        "这几年变化太大了,路通了,水来了,日子越过越红火。",
        "我们在这里扎下了根,也收获了实实在在的回报。",
        "培训让我学到了真本事,现在我也是有证书的技术工人了。",
        "一家人不再两地分居,孩子也有人照看了,这是我最满意的地方。"],
}
# Parks two places build together, named as articles name them: the places' first characters and a trade.
PARK_KINDS = ["生物医药产业园", "现代农业产业园", "纺织服装产业园", "电子信息产业园", "食品加工产业园", "工业园区"]
_SLOT = re.compile(r"\{([if]):([\d.]+):([\d.]+)\}")


def children(gaz, code, level):
    return _children(gaz).get((code, level), [])


@cache
def _children(gaz) -> dict[tuple[str, str], list]:
    """(parent code, level) → divisions of today in the gazetteer's order (not the abolished ones of earlier
    years); scanning all divisions per article is slow."""
    out: dict[tuple[str, str], list] = {}
    for d in gaz.divisions.values():
        if d.until is None:
            out.setdefault((d.parent, d.level), []).append(d)
    return out


def article(rng: random.Random, gaz, n: int, narrative: random.Random | None = None) -> tuple[str, dict]:
    """One article and its gold; with ``narrative`` (its own generator, so the facts do not depend on it),
    the fact paragraphs stand among narrative ones up to 1,500–3,000 characters."""
    east, west, fused = rng.choice(PAIRS)
    e, w = (next(d for d in children(gaz, None, "Province") if d.name == name) for name in (east, west))
    year = rng.randrange(2017, 2025)
    e_cities = children(gaz, e.code, "City") or children(gaz, e.code, "County")
    w_cities = children(gaz, w.code, "City") or children(gaz, w.code, "County")
    (ec1, ec2), (wc1, wc2) = rng.sample(e_cities, 2), rng.sample(w_cities, 2)
    ek = rng.choice(children(gaz, ec1.code, "County") or [ec1])
    wk = rng.choice(children(gaz, wc1.code, "County") or [wc1])
    et = rng.choice(children(gaz, ek.code, "Town") or [None])
    wt = rng.choice(children(gaz, wk.code, "Town") or [None])
    amount = rng.randrange(5, 900) * 100  # 万元
    amount2 = rng.randrange(1, 90) * 100
    paragraphs = [
        f"{year}年以来,{east}与{west}深化东西部协作,{fused}协作各项工作扎实推进。{ec1.name}与{wc1.name}、"
        f"{ec2.name}与{wc2.name}分别结对帮扶,双方在产业、劳务、消费等领域合作不断深入。",
        f"{year}年,{east}向{west}援助财政资金{amount / 10000:g}亿元,{ec1.name}向{wc1.name}投入帮扶资金{amount2}万元,"
        f"重点支持产业发展和基础设施建设。",
        f"{ek.name}与{wk.name}结成帮扶对子,互派干部{rng.randrange(5, 60)}人次。",
    ]
    entities = {(east, "Province"), (west, "Province"), (fused + "协作", "Program")}
    entities |= {(d.name, d.level) for d in (ec1, ec2, wc1, wc2, ek, wk)}
    relations = [{"rel": "pairedWith", "a": east, "b": west}, {"rel": "pairedWith", "a": ec1.name, "b": wc1.name},
                 {"rel": "pairedWith", "a": ec2.name, "b": wc2.name}, {"rel": "pairedWith", "a": ek.name, "b": wk.name},
                 {"rel": "funds", "from": east, "to": west, "amount_cny": amount * 10000, "year": year},
                 {"rel": "funds", "from": ec1.name, "to": wc1.name, "amount_cny": amount2 * 10000, "year": year}]
    if rng.random() < 0.4:
        a, b = rng.choice([(ec1, wc1), (ek, wk)])
        park = f"{a.name[0]}{b.name[0]}{rng.choice(PARK_KINDS)}"
        paragraphs.append(f"{a.name}与{b.name}共建{park},已入驻企业{rng.randrange(5, 60)}家。")
        entities.add((park, "Park"))
        relations.append({"rel": "coBuilds", "park": park, "partners": [a.name, b.name]})
    if et and wt:
        paragraphs.append(f"{ek.name}{et.name}与{wk.name}{wt.name}签订镇镇结对协议,共同发展特色产业。")
        entities |= {(et.name, "Town"), (wt.name, "Town")}
        relations.append({"rel": "pairedWith", "a": et.name, "b": wt.name})
    header = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} 08:00:00|来源:{PAPER[west]}|编辑:编辑{n}"
    head = f"{fused}协作结硕果\n\n{header}\n\n"
    if narrative is not None:
        # the last narrative paragraph may overshoot the target (by 260 characters at most)
        length = narrative.randrange(1500, 2650) - len(head) - sum(len(p) + 4 for p in paragraphs)
        paragraphs = _interleave(narrative, paragraphs, _narrative(narrative, length, year=year, program=fused + "协作"))
    text = head + "\n\n".join("  " + p for p in paragraphs) + "\n"
    if "携手奔小康行动" in text:  # the narrative names the national campaign: a Program, as the annotation policy says
        entities.add(("携手奔小康行动", "Program"))
    gold = {"entities": [{"name": a, "type": t} for a, t in sorted(entities)], "relations": relations}
    return text, gold


def _narrative(rng: random.Random, length: int, **values) -> list[str]:
    """Narrative paragraphs of about ``length`` characters in all: one to three quotes, and paragraphs of
    4–6 sentences of one theme led by one of its openers, no sentence or opener twice."""
    said = rng.sample([(q, who) for who, qs in QUOTES.items() for q in qs], rng.randint(1, 3))
    speakers = {group: rng.sample(group, len(group)) for group in QUOTES}
    quotes = [rng.choice(QUOTE_FORMS).format(q=q, who=speakers[who].pop()) for q, who in said]
    pools = {theme: rng.sample(sentences, len(sentences)) for theme, (_, sentences) in THEMES.items()}
    openers = {theme: rng.sample(leads, len(leads)) for theme, (leads, _) in THEMES.items()}
    out: list[str] = []
    while sum(len(p) + 4 for p in out + quotes) < length and any(len(pool) >= 4 for pool in pools.values()):
        theme = rng.choice([t for t, pool in pools.items() if len(pool) >= 4])
        k = rng.randint(4, 6)
        take, pools[theme] = pools[theme][:k], pools[theme][k:]
        lead = openers[theme].pop() if openers[theme] else ""
        out.append(lead + "".join(_fill(rng, s, values) for s in take))
    for quote in quotes:
        out.insert(rng.randint(0, len(out)), quote)
    return out


def _fill(rng: random.Random, template: str, values: dict) -> str:
    def number(m: re.Match) -> str:
        low, high = float(m.group(2)), float(m.group(3))
        return str(rng.randint(int(low), int(high))) if m.group(1) == "i" else f"{rng.uniform(low, high):.1f}"

    return _SLOT.sub(number, template).format(**values)


def _interleave(rng: random.Random, facts: list[str], narrative: list[str]) -> list[str]:
    """The first fact paragraph leads; the others keep their order at random places among the narrative."""
    slots = set(rng.sample(range(len(narrative) + len(facts) - 1), len(facts) - 1))
    rest, tail, out = iter(facts[1:]), iter(narrative), [facts[0]]
    for i in range(len(narrative) + len(facts) - 1):
        out.append(next(rest) if i in slots else next(tail))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--short", action="store_true", help="the fact paragraphs only (about 265 characters an article)")
    args = ap.parse_args()
    rng, gaz = random.Random(args.seed), gazetteer()
    (args.out / "articles").mkdir(parents=True, exist_ok=True)
    (args.out / "gold").mkdir(parents=True, exist_ok=True)
    for n in range(args.docs):
        narrative = None if args.short else random.Random(f"{args.seed}:{n}")
        text, gold = article(rng, gaz, n, narrative)
        name = f"synthetic-{n:06d}"
        (args.out / "articles" / f"{name}.txt").write_text(text, encoding="utf-8")
        (args.out / "gold" / f"{name}.json").write_text(
            json.dumps({"doc": f"{name}.txt", **gold}, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
